"""Buttons: the persistent "Summarize" button on story posts, pagers and confirmations.

The Summarize button's custom_id carries the article id, so it keeps working after a restart without the
bot remembering any view: `cogs/summarize.py` registers the `DynamicItem` that handles it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord

__all__ = ["SUMMARIZE_TEMPLATE", "ButtonHandler", "ConfirmView", "IdButtonType", "OwnedView", "PagerView",
           "id_button_type", "story_view", "summarize_button"]

SUMMARIZE_ID = "newsdesk:summarize:{article_id}"
# The custom_id pattern of the Summarize button; the summarize cog registers the DynamicItem that answers it.
SUMMARIZE_TEMPLATE = r"newsdesk:summarize:(?P<id>\d+)"


def summarize_button(article_id: int) -> discord.ui.Button[Any]:
    return discord.ui.Button(label="Summarize", style=discord.ButtonStyle.secondary, emoji="📝",
                             custom_id=SUMMARIZE_ID.format(article_id=article_id))


# What a click on an id-carrying button does: (interaction, the id from its custom_id) -> the answer.
ButtonHandler = Callable[[discord.Interaction, int], Awaitable[None]]
IdButtonType = type[discord.ui.DynamicItem[discord.ui.Button[Any]]]


def id_button_type(template: str, button: Callable[[int], discord.ui.Button[Any]],
                   handler: ButtonHandler) -> IdButtonType:
    """A persistent button whose custom_id carries an id (`template` has an `id` group), as a DynamicItem that
    answers every such button ever sent, across restarts, with `handler(interaction, id)`; the owning cog
    registers it with `bot.add_dynamic_items`."""

    class IdButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=template):
        def __init__(self, item_id: int) -> None:
            super().__init__(button(item_id))
            self.item_id = item_id

        @classmethod
        async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                                 match: re.Match[str], /) -> IdButton:
            return cls(int(match["id"]))

        async def callback(self, interaction: discord.Interaction) -> None:
            await handler(interaction, self.item_id)

    return IdButton


def story_view(article_id: int) -> discord.ui.View:
    """The components of a story post: its persistent Summarize button.

    Clicks are answered by the DynamicItem the summarize cog registers (matched on the custom_id), not by
    this view, so the view is stopped before it is sent: discord.py would otherwise keep it for every
    story message for the process's life and dispatch each click to it as well.
    """
    view = discord.ui.View(timeout=None)
    view.add_item(summarize_button(article_id))
    view.stop()
    return view


class OwnedView(discord.ui.View):
    """A view only the person who asked can use; anyone else is told `refusal`, privately."""

    refusal = "This is for the person who asked."

    def __init__(self, owner_id: int, *, timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(self.refusal, ephemeral=True)
            return False
        return True


class PagerView(OwnedView):
    """Previous/next buttons over pre-rendered pages; only the person who asked can turn pages."""

    refusal = "Run the command yourself to page through it."

    def __init__(self, pages: list[str], owner_id: int, *, title: str, timeout: float = 600) -> None:
        super().__init__(owner_id, timeout=timeout)
        self.pages = pages or ["(nothing yet)"]
        self.title = title
        self.index = 0
        self._sync()

    def render(self) -> str:
        header = f"**{self.title}** — page {self.index + 1}/{len(self.pages)}\n"
        return header + self.pages[self.index]

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

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


class ConfirmView(OwnedView):
    """A Confirm/Cancel pair for destructive actions; `on_confirm` runs only for the person who asked."""

    refusal = "Only the person who asked can confirm this."

    def __init__(self, owner_id: int, on_confirm: Callable[[discord.Interaction], Awaitable[None]],
                 *, confirm_label: str = "Confirm", timeout: float = 120) -> None:
        super().__init__(owner_id, timeout=timeout)
        self._on_confirm = on_confirm
        self.confirm.label = confirm_label

    @discord.ui.button(label="Confirm", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stop()
        await self._on_confirm(interaction)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(content="Cancelled; nothing was changed.", view=None)
