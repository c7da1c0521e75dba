"""Message components as Discord checks them (discord-api-docs: docs/components/reference.mdx).

Without the IS_COMPONENTS_V2 flag (1 << 15) a message's components are up to 5 action rows of buttons or one
select. With it, `content` and `embeds` cannot be used (nor removed from an edited message: the flag stays),
top-level components are action rows, sections, text displays, media galleries, files, separators and
containers, at most 40 components in all (nested ones and accessories counted), and the text displays hold
at most 4,000 characters together. Components given without an `id` get one, numbered in order, as Discord
numbers them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from emulator.errors import ApiError, form_error

__all__ = ["IS_COMPONENTS_V2", "check_legacy_fields", "validate_components", "walk_components"]

IS_COMPONENTS_V2 = 1 << 15
MAX_V2_COMPONENTS = 40
MAX_V2_TEXT = 4000
ACTION_ROW, BUTTON, SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER = (
    1, 2, 9, 10, 11, 12, 13, 14, 17)
SELECTS = frozenset({3, 5, 6, 7, 8})
_V2_TOP = frozenset({ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER})
_IN_CONTAINER = frozenset({ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR})
_LINK_STYLE, _PREMIUM_STYLE = 5, 6


def _choices(path: str, allowed: frozenset[int]) -> ApiError:
    return form_error(f"{path}.type", "UNION_TYPE_CHOICES",
                      f"Value of field \"type\" must be one of ({', '.join(map(str, sorted(allowed)))}).")


def check_legacy_fields(flags: int, *, content: str | None, embeds: list[dict[str, Any]] | None) -> None:
    """A Components V2 message cannot carry content or embeds."""
    if not flags & IS_COMPONENTS_V2:
        return
    for name, value in (("content", content), ("embeds", embeds)):
        if value:
            raise form_error(name, "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                             f"The '{name}' field cannot be used when using MessageFlags.IS_COMPONENTS_V2")


def walk_components(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every component, nested ones included: a row's or container's `components`, a label's `component`
    (modals), a section's `accessory`."""
    for item in items:
        yield item
        yield from walk_components(item.get("components") or [])
        for key in ("component", "accessory"):
            if isinstance(item.get(key), dict):
                yield from walk_components([item[key]])


def validate_components(components: list[dict[str, Any]], flags: int) -> None:
    """Raise Discord's 400 for components it would refuse; number those without an `id`."""
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise form_error("components", "BASE_TYPE_ARRAY", "Must be an array of component objects.")
    v2 = bool(flags & IS_COMPONENTS_V2)
    if not v2 and len(components) > 5:
        raise form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    top = _V2_TOP if v2 else frozenset({ACTION_ROW})
    for i, item in enumerate(components):
        _check(item, f"components.{i}", top)
    every = list(walk_components(components))
    if v2 and len(every) > MAX_V2_COMPONENTS:
        raise form_error("components", "MAX_COMPONENTS", f"Must be {MAX_V2_COMPONENTS} or fewer in total.")
    text = sum(len(str(c.get("content") or "")) for c in every if c.get("type") == TEXT_DISPLAY)
    if text > MAX_V2_TEXT:
        raise form_error("components", "MAX_TEXT_LENGTH",
                         f"The total length of text displays must be {MAX_V2_TEXT} or fewer.")
    ids = [c["custom_id"] for c in every if c.get("custom_id")]
    if len(ids) != len(set(ids)):
        raise form_error("components", "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
    taken = {c["id"] for c in every if isinstance(c.get("id"), int) and c["id"] > 0}
    next_id = 1
    for c in every:
        if not (isinstance(c.get("id"), int) and c["id"] > 0):
            while next_id in taken:
                next_id += 1
            c["id"] = next_id
            taken.add(next_id)


def _check(item: dict[str, Any], path: str, allowed: frozenset[int]) -> None:
    kind = item.get("type")
    if kind not in allowed:
        raise _choices(path, allowed)
    children = item.get("components")
    if kind == ACTION_ROW:
        if not isinstance(children, list) or not 1 <= len(children) <= 5:
            raise form_error(f"{path}.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
        selects = [c for c in children if isinstance(c, dict) and c.get("type") in SELECTS]
        if selects and len(children) > 1:
            raise form_error(f"{path}.components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                             "The specified component exceeds the maximum width")
        for j, child in enumerate(children):
            _check(child, f"{path}.components.{j}", frozenset({BUTTON, *SELECTS}))
    elif kind == BUTTON:
        _check_button(item, path)
    elif kind in SELECTS:
        if not item.get("custom_id"):
            raise form_error(f"{path}.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
    elif kind == SECTION:
        if not isinstance(children, list) or not 1 <= len(children) <= 3:
            raise form_error(f"{path}.components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 3 in length.")
        for j, child in enumerate(children):
            _check(child, f"{path}.components.{j}", frozenset({TEXT_DISPLAY}))
        accessory = item.get("accessory")
        if not isinstance(accessory, dict):
            raise form_error(f"{path}.accessory", "BASE_TYPE_REQUIRED", "This field is required")
        _check(accessory, f"{path}.accessory", frozenset({THUMBNAIL, BUTTON}))
    elif kind == TEXT_DISPLAY:
        if not isinstance(item.get("content"), str) or not item["content"]:
            raise form_error(f"{path}.content", "BASE_TYPE_REQUIRED", "This field is required")
    elif kind == THUMBNAIL:
        _check_media(item.get("media"), f"{path}.media")
        _check_description(item, path)
    elif kind == MEDIA_GALLERY:
        items = item.get("items")
        if not isinstance(items, list) or not 1 <= len(items) <= 10:
            raise form_error(f"{path}.items", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 10 in length.")
        for j, entry in enumerate(items):
            _check_media(entry.get("media") if isinstance(entry, dict) else None, f"{path}.items.{j}.media")
            _check_description(entry, f"{path}.items.{j}")
    elif kind == FILE:
        url = (item.get("file") or {}).get("url") if isinstance(item.get("file"), dict) else None
        if not isinstance(url, str) or not url.startswith("attachment://"):
            raise form_error(f"{path}.file.url", "UNFURLED_MEDIA_ITEM_ATTACHMENT_ONLY",
                             "A file component only supports attachment:// references")
    elif kind == SEPARATOR:
        if item.get("spacing") not in (None, 1, 2):
            raise form_error(f"{path}.spacing", "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
    elif kind == CONTAINER:
        if not isinstance(children, list) or not children:
            raise form_error(f"{path}.components", "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        colour = item.get("accent_color")
        if colour is not None and not (isinstance(colour, int) and 0 <= colour <= 0xFFFFFF):
            raise form_error(f"{path}.accent_color", "NUMBER_TYPE_MAX", "int value should be <= 16777215 and >= 0.")
        for j, child in enumerate(children):
            _check(child, f"{path}.components.{j}", _IN_CONTAINER)


def _check_button(item: dict[str, Any], path: str) -> None:
    style = item.get("style")
    if style not in (1, 2, 3, 4, _LINK_STYLE, _PREMIUM_STYLE):
        raise form_error(f"{path}.style", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4, 5, 6).")
    if len(str(item.get("label") or "")) > 80:
        raise form_error(f"{path}.label", "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")
    if style == _LINK_STYLE:
        if not item.get("url") or item.get("custom_id"):
            raise form_error(f"{path}.url", "BUTTON_COMPONENT_INVALID_URL", "A link button needs a url and no custom_id")
    elif style != _PREMIUM_STYLE:
        custom_id = item.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id or item.get("url"):
            raise form_error(f"{path}.custom_id", "BASE_TYPE_REQUIRED", "This field is required")
        if len(custom_id) > 100:
            raise form_error(f"{path}.custom_id", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")


def _check_media(media: Any, path: str) -> None:
    url = media.get("url") if isinstance(media, dict) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://", "attachment://")):
        raise form_error(f"{path}.url", "URL_TYPE_INVALID_URL", "Not a well formed URL.")


def _check_description(item: dict[str, Any], path: str) -> None:
    if len(str(item.get("description") or "")) > 1024:
        raise form_error(f"{path}.description", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.")
