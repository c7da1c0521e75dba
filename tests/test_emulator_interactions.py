"""End to end: application commands and every interaction response type through discord.py's public API."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from emulator import DiscordEmulator, Perm, Upload
from tests.emulator_fixtures import E2E_MARKS, BotRunner, make_bot

pytestmark = E2E_MARKS


def _setup(emulator: DiscordEmulator):
    guild = emulator.create_guild("Newsroom")
    news = emulator.create_channel(guild, "news")
    alice = emulator.create_user("alice")
    emulator.add_member(guild, alice)
    return guild, news, alice


async def test_slash_commands_options_subcommands_autocomplete(emulator: DiscordEmulator,
                                                                bot_runner: BotRunner) -> None:
    guild, news, alice = _setup(emulator)
    bot = make_bot()
    feeds = app_commands.Group(name="feeds", description="Manage feeds")

    async def complete_url(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        urls = ["https://a.example/rss", "https://b.example/atom"]
        return [app_commands.Choice(name=u, value=u) for u in urls if current in u]

    @feeds.command(name="add", description="Add a feed")
    @app_commands.autocomplete(url=complete_url)
    async def feeds_add(interaction: discord.Interaction, url: str, channel: discord.TextChannel,
                        interval: int = 900, paused: bool = False) -> None:
        await interaction.response.send_message(f"added {url} to #{channel.name} every {interval}s paused={paused}")

    bot.tree.add_command(feeds)

    @bot.tree.command(description="Moderators only")
    @app_commands.default_permissions(manage_messages=True)
    async def purge(interaction: discord.Interaction, member: discord.Member) -> None:
        await interaction.response.send_message(f"purged {member.display_name}", ephemeral=True)

    await bot_runner.start(bot, sync=True)
    first_ids = {c["name"]: c["id"] for c in emulator.commands.global_.values()}
    await bot.tree.sync()  # a re-sync keeps ids, as Discord does
    assert {c["name"]: c["id"] for c in emulator.commands.global_.values()} == first_ids

    rec = await emulator.run_slash_command(alice, news, "feeds add",
                                           {"url": "https://a.example/rss", "channel": news, "interval": 60})
    assert rec.content == "added https://a.example/rss to #news every 60s paused=False"
    assert rec.response_type == 4 and not rec.ephemeral
    assert emulator.last_message(news).interaction["name"] == "feeds"  # type: ignore[index, union-attr]

    choices = await emulator.autocomplete(alice, news, "feeds add", {"url": "b.ex"}, focused="url")
    assert choices == [{"name": "https://b.example/atom", "value": "https://b.example/atom"}]

    with pytest.raises(PermissionError):
        await emulator.run_slash_command(alice, news, "purge", {"member": alice})
    mod = emulator.create_role(guild, "mod", Perm.MANAGE_MESSAGES)
    emulator.set_roles(guild, alice, [mod])
    rec = await emulator.run_slash_command(alice, news, "purge", {"member": alice})
    assert rec.ephemeral and rec.content == "purged alice"
    bob = emulator.create_user("bob")
    assert rec.visible_to(alice) and not rec.visible_to(bob)
    assert "purged alice" not in [m.content for m in emulator.messages(news)]
    with pytest.raises(LookupError):
        await emulator.run_slash_command(alice, news, "feeds remove")


async def test_deferred_followups_edit_and_delete_original(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()

    @bot.tree.command(description="Summarize")
    async def summarize(interaction: discord.Interaction, private: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=private)
        await interaction.followup.send("summary: ...")
        extra = await interaction.followup.send("sources: ...", wait=True)
        await extra.edit(content="sources: a, b")
        await interaction.edit_original_response(content="summary: done")

    @bot.tree.command(description="Temporary")
    async def temp(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("soon gone")
        original = await interaction.original_response()
        assert original.content == "soon gone"
        await interaction.delete_original_response()

    await bot_runner.start(bot, sync=True)
    rec = await emulator.run_slash_command(alice, news, "summarize")
    assert rec.response_type == 5
    await emulator.wait_for(lambda: [m.content for m in rec.messages] == ["summary: done", "sources: a, b"])
    assert not rec.original.flags & (1 << 7)  # type: ignore[union-attr]  # no longer "thinking"

    private = await emulator.run_slash_command(alice, news, "summarize", {"private": True})
    await emulator.wait_for(lambda: private.content == "sources: a, b")
    assert private.original.is_ephemeral  # type: ignore[union-attr]

    gone = await emulator.run_slash_command(alice, news, "temp")
    await emulator.wait_for(lambda: gone.deleted_original)
    assert "soon gone" not in [m.content for m in emulator.messages(news)]


class Poll(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)
        self.votes = 0

    @discord.ui.button(label="Vote", custom_id="poll:vote", style=discord.ButtonStyle.primary)
    async def vote(self, interaction: discord.Interaction, button: discord.ui.Button[Poll]) -> None:
        self.votes += 1
        await interaction.response.edit_message(content=f"votes: {self.votes}", view=self)

    @discord.ui.button(label="Quiet", custom_id="poll:quiet")
    async def quiet(self, interaction: discord.Interaction, button: discord.ui.Button[Poll]) -> None:
        await interaction.response.defer()

    @discord.ui.select(custom_id="poll:pick", options=[discord.SelectOption(label="a"), discord.SelectOption(label="b")])
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Poll]) -> None:
        await interaction.response.send_message(f"picked {select.values[0]}", ephemeral=True)


class Report(discord.ui.Modal, title="Report a comment"):
    reason: discord.ui.TextInput[Report] = discord.ui.TextInput(label="Reason", custom_id="reason")

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"reported: {self.reason.value}", ephemeral=True)


async def test_buttons_selects_context_menus_and_modals(emulator: DiscordEmulator, bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()

    @bot.tree.command(description="Start a poll")
    async def poll(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("votes: 0", view=Poll())

    @bot.tree.context_menu(name="Report comment")
    async def report(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_modal(Report())

    await bot_runner.start(bot, sync=True)
    rec = await emulator.run_slash_command(alice, news, "poll")
    poll_msg = rec.original
    assert poll_msg is not None
    pressed = await emulator.press_button(alice, poll_msg, label="Vote")
    assert pressed.response_type == 7 and poll_msg.content == "votes: 1"
    await emulator.press_button(alice, poll_msg, custom_id="poll:vote")
    assert emulator.last_message(news).content == "votes: 2"  # type: ignore[union-attr]
    quiet = await emulator.press_button(alice, poll_msg, custom_id="poll:quiet")
    assert quiet.response_type == 6
    picked = await emulator.select(alice, poll_msg, ["b"], custom_id="poll:pick")
    assert picked.content == "picked b" and picked.ephemeral

    target = emulator.send(alice, news, "a rude comment")
    opened = await emulator.use_message_command(alice, target, "Report comment")
    assert opened.response_type == 9 and opened.modal is not None and opened.modal["title"] == "Report a comment"
    submitted = await emulator.submit_modal(alice, opened, {"reason": "insults"})
    assert submitted.content == "reported: insults" and submitted.visible_to(alice)


async def test_second_response_and_late_response_rejected_like_discord(emulator: DiscordEmulator,
                                                                       bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()
    outcomes: list[str] = []

    @bot.tree.command(description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        try:
            # bypass discord.py's own guard to see what the server says
            await bot.http.request(discord.http.Route(
                "POST", "/interactions/{i}/{t}/callback", i=interaction.id, t=interaction.token),
                json={"type": 4, "data": {"content": "two"}})
        except discord.HTTPException as exc:
            outcomes.append(f"{exc.status} {exc.code}")

    await bot_runner.start(bot, sync=True)
    await emulator.run_slash_command(alice, news, "twice")
    await emulator.wait_for(lambda: outcomes)
    assert outcomes == ["400 40060"]


async def test_files_in_interaction_responses_and_followups(emulator: DiscordEmulator,
                                                            bot_runner: BotRunner) -> None:
    import io

    _guild, news, alice = _setup(emulator)
    bot = make_bot()

    @bot.tree.command(description="Export")
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("csv", file=discord.File(io.BytesIO(b"a,b\n"), "x.csv"))
        followup = await interaction.followup.send("log", file=discord.File(io.BytesIO(b"log"), "log.txt"),
                                                   wait=True)
        assert followup.attachments[0].filename == "log.txt"

    await bot_runner.start(bot, sync=True)
    rec = await emulator.run_slash_command(alice, news, "export")
    await emulator.wait_for(lambda: len(rec.messages) == 2)
    first, second = rec.messages
    assert [a["filename"] for a in first.attachments] == ["x.csv"]
    assert emulator.files[int(second.attachments[0]["id"])][0] == b"log"


async def test_attachment_options_arrive_resolved_and_readable(emulator: DiscordEmulator,
                                                               bot_runner: BotRunner) -> None:
    _guild, news, alice = _setup(emulator)
    bot = make_bot()

    @bot.tree.command(description="Read a file")
    async def upload(interaction: discord.Interaction, file: discord.Attachment, note: str = "") -> None:
        data = await file.read()
        await interaction.response.send_message(
            f"{file.filename} {file.content_type} {file.size} {data.decode()!r} {note}")

    await bot_runner.start(bot, sync=True)
    (command,) = emulator.commands.global_.values()
    assert command["options"][0]["type"] == 11
    rec = await emulator.run_slash_command(alice, news, "upload", {
        "file": Upload("feeds.opml", b"<opml/>", "text/x-opml"), "note": "hi"})
    assert rec.content == "feeds.opml text/x-opml 7 '<opml/>' hi"
    with pytest.raises(ValueError, match="takes an emulator Upload"):
        await emulator.run_slash_command(alice, news, "upload", {"file": "feeds.opml"})
