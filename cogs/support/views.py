"""Buttons: the persistent "Summarize" button on story posts, pagers and confirmations.

The Summarize button is a `DynamicItem` whose custom_id carries the article id, so it keeps working
after a restart without the bot remembering any view.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

__all__ = ["ConfirmView", "PagerView", "SummarizeButton", "persistent_items"]

# Set by the summarize cog: (interaction, article_id) -> None. Kept on the bot, not as a global.
SummarizeHandler = Callable[[discord.Interaction, int], Awaitable[None]]


class SummarizeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"newsdesk:summarize:(?P<id>\d+)"):
    def __init__(self, article_id: int) -> None:
        super().__init__(discord.ui.Button(
            label="Summarize", style=discord.ButtonStyle.secondary, emoji="📝",
            custom_id=f"newsdesk:summarize:{article_id}",
        ))
        self.article_id = article_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SummarizeButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        handler: SummarizeHandler | None = getattr(interaction.client, "summarize_button_handler", None)
        if handler is None:
            await interaction.response.send_message("Summaries are not available right now.", ephemeral=True)
            return
        await handler(interaction, self.article_id)


def persistent_items() -> list[type[discord.ui.DynamicItem[Any]]]:
    return [SummarizeButton]


def story_view(article_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SummarizeButton(article_id))
    return view


class PagerView(discord.ui.View):
    """Previous/next buttons over pre-rendered pages; only the person who asked can turn pages."""

    def __init__(self, pages: list[str], owner_id: int, *, title: str, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages or ["(nothing yet)"]
        self.owner_id = owner_id
        self.title = title
        self.index = 0
        self._sync()

    def render(self) -> str:
        header = f"**{self.title}** — page {self.index + 1}/{len(self.pages)}\n"
        return header + self.pages[self.index]

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("Run the command yourself to page through it.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.index = max(0, self.index - 1)
        self._sync()
        await interaction.response.edit_message(content=self.render(), view=self)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._sync()
        await interaction.response.edit_message(content=self.render(), view=self)


class ConfirmView(discord.ui.View):
    """A Confirm/Cancel pair for destructive actions; `on_confirm` runs only for the person who asked."""

    def __init__(self, owner_id: int, on_confirm: Callable[[discord.Interaction], Awaitable[None]],
                 *, confirm_label: str = "Confirm", timeout: float = 120) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("Only the person who asked can confirm this.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None)
