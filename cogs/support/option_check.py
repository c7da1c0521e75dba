"""Option values checked against the command's declaration before a command runs.

Discord's client only offers valid values, but a client holding an outdated copy of a command (after an
update changed its choices or limits) can still send old ones; discord.py passes a `Literal` value through
unchecked. The command then gets a private sentence naming the option and the allowed values, never a
traceback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import discord
from discord import app_commands
from discord.enums import AppCommandOptionType

from bot.formats import join_words

__all__ = ["invalid_option", "leaf_options"]

_NUMBERS = (AppCommandOptionType.integer, AppCommandOptionType.number)


def leaf_options(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The options Discord sent for the command itself, below any subcommand group and subcommand."""
    options: list[Mapping[str, Any]] = list(data.get("options") or [])
    while options and options[0].get("type") in (1, 2):  # SUB_COMMAND, SUB_COMMAND_GROUP
        options = list(options[0].get("options") or [])
    return options


def invalid_option(command: app_commands.Command[Any, ..., Any], options: Sequence[Mapping[str, Any]]) -> str | None:
    """What is wrong with the first bad value in `options` (the leaf options Discord sent), or None."""
    for option in options:
        if option.get("focused") or "value" not in option:
            continue
        parameter = command.get_parameter(option["name"])
        if parameter is None:
            return (f"`{option['name']}` is not an option of /{command.qualified_name} any more; "
                    "your Discord app may show an outdated command: restart it and try again.")
        value = option["value"]
        name = f"`{parameter.display_name}`"
        if parameter.choices and value not in [c.value for c in parameter.choices]:
            allowed = join_words([f"`{c.name}`" for c in parameter.choices], "or")
            return f"{name} must be {allowed}, not `{discord.utils.escape_markdown(str(value))[:100]}`."
        low, high = parameter.min_value, parameter.max_value
        if parameter.type in _NUMBERS and isinstance(value, int | float):
            if (low is not None and value < low) or (high is not None and value > high):
                return f"{name} must be {_bounds(low, high)}, not {value}."
        if parameter.type is AppCommandOptionType.string and isinstance(value, str):
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                return f"{name} must be {_bounds(low, high)} characters long, not {len(value):,}."
    return None


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low:,} to {high:,}"
    return f"at least {low:,}" if low is not None else f"at most {high:,}"
