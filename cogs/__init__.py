"""The Discord adapter: the only layer that imports discord.

- `cogs.client`: the discord.py bot (intents, start-up, command sync, error reporting).
- `cogs.loader`: which cogs the bot runs, each built with what it needs (no cog looks another up).
- `cogs/<feature>.py`: one cog per feature; it turns Discord objects into plain data, calls a service of
  `bot/`, and turns the result back into Discord calls.
- `cogs.publishing`: the story publisher (outbox -> Discord), built by the composition root.
- `cogs.support`: what the cogs share (replies, views, embeds, the article picker, endpoints).
"""
