"""The name and icon a story is posted under when it goes through a channel webhook (issue 15 point 5).

Discord refuses a webhook name or username override (400) that is empty or over 80 characters, contains
"clyde" or "discord" (any case), or breaks its nickname rules (names are trimmed, excess whitespace and
non-rendering characters dropped; "@", "#", ":" and "```" are refused in usernames, "everyone" and "here" as
names). `webhook_username` turns any outlet title into a name Discord takes, keeping it readable: the
forbidden words get a look-alike letter ("Dіscord Blog"), the forbidden characters are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["WEBHOOK_NAME", "WEBHOOK_USERNAME_MAX", "webhook_avatar_url", "webhook_username"]

WEBHOOK_NAME = "Newsdesk"  # the name of the webhook Newsdesk creates in a channel
WEBHOOK_USERNAME_MAX = 80
_FALLBACK = "News"
# Cyrillic look-alikes: "і" (U+0456) for the i of discord, "у" (U+0443) for the y of clyde.
_WORDS = (
    (re.compile(r"d(i)scord", re.IGNORECASE), "\u0456", "\u0406"),
    (re.compile(r"cl(y)de", re.IGNORECASE), "\u0443", "\u0423"),
)
_REFUSED = re.compile(r"@|#|:|```")
_SPACES = re.compile(r"\s+")
_RESERVED = frozenset({"everyone", "here"})
MAX_AVATAR_URL = 1000


def webhook_username(outlet: str | None) -> str:
    """`outlet` as a webhook username Discord accepts: 1-80 characters, no "discord"/"clyde", no "@ # : ```"."""
    text = "".join(c for c in (outlet or "") if unicodedata.category(c) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"))
    text = _SPACES.sub(" ", _REFUSED.sub("", text)).strip()
    for pattern, lower, upper in _WORDS:
        while pattern.search(text):  # again: "discordiscord" hides a second word in the first one's tail
            text = pattern.sub(_swapper(lower, upper), text)
    if text.lower() in _RESERVED:
        text = f"{text} news"
    text = text[:WEBHOOK_USERNAME_MAX].rstrip()
    return text or _FALLBACK


def _swapper(lower: str, upper: str) -> Callable[[re.Match[str]], str]:
    """A re.sub replacement putting the look-alike (in the same case) for the word's marked letter."""
    def swap(match: re.Match[str]) -> str:
        word, letter = match.group(0), match.group(1)
        start = match.start(1) - match.start(0)
        return word[:start] + (upper if letter.isupper() else lower) + word[start + 1:]
    return swap


def webhook_avatar_url(icon_url: str | None) -> str | None:
    """The outlet's icon as a webhook avatar: an absolute http(s) URL Discord can fetch, else None (the
    webhook's own avatar)."""
    if icon_url and icon_url.startswith(("https://", "http://")) and len(icon_url) <= MAX_AVATAR_URL:
        return icon_url
    return None
