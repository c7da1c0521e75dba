from __future__ import annotations

import discord

from emulator import DiscordEmulator
from tests.emulator_fixtures import E2E_MARKS, BotRunner, make_bot

pytestmark = E2E_MARKS


async def test_bot_logs_in_and_sees_messages(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    guild = emulator.create_guild("Newsroom")
    chan = emulator.create_channel(guild, "news")
    alice = emulator.create_user("alice")
    emulator.add_member(guild, alice)
    bot = make_bot()
    seen: list[discord.Message] = []

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message)
        if message.content == "ping":
            await message.channel.send("pong")

    @bot.tree.command(description="Say hi")
    async def hello(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hi {interaction.user.name}")

    await bot_runner.start(bot, sync=guild)
    assert bot.get_guild(guild.id) is not None
    emulator.send(alice, chan, "ping")
    reply = await emulator.wait_for_message(chan, lambda m: m.author.bot)
    assert reply.content == "pong"
    assert seen[0].content == "ping" and isinstance(seen[0].author, discord.Member)
    rec = await emulator.run_slash_command(alice, chan, "hello")
    assert rec.content == "hi alice"
