"""Plain post data (`EmbedSpec`) to discord.Embed."""

from __future__ import annotations

import discord

from bot.posting.format import ALSO_REPORTED, EmbedSpec

__all__ = ["NEWS_COLOUR", "story_embed"]

NEWS_COLOUR = discord.Colour(0x2B6CB0)


def story_embed(spec: EmbedSpec) -> discord.Embed:
    embed = discord.Embed(title=spec.title, url=spec.url, description=spec.description or None,
                          colour=NEWS_COLOUR, timestamp=spec.timestamp)
    if spec.author:
        embed.set_author(name=spec.author)
    if spec.image_url:
        embed.set_image(url=spec.image_url)
    if spec.featured:
        embed.add_field(name="Featured", value=spec.featured, inline=False)
    if spec.also_reported:
        embed.add_field(name=ALSO_REPORTED, value=spec.also_reported, inline=False)
    embed.set_footer(text=spec.footer)
    return embed
