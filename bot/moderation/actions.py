"""The names moderation actions are logged under in `moderation_actions`, and how `/mod log` shows one.

The name says what was done (a verb, as the schema lists them); particulars go to `details` (JSON):
slowmode {"seconds"}, purge {"count", "messages", "article_id", "since"}, filter_add {"pattern", "action",
"regex"}, filter_remove {"pattern"}, close {"automatic": true} when the auto-close timer did it.
Actions by the bot itself (auto-close, a mute's expiry, a muted user's or a filter's removal) are logged
with moderator id 0 or the bot's own id.
"""

from __future__ import annotations

from bot.formats import plural
from bot.moderation.rules import format_duration
from bot.storage.moderation import ModerationAction

__all__ = [
    "APPROVE", "CLOSE", "FILTER_ADD", "FILTER_REMOVE", "LOCK", "MUTE", "PURGE", "REMOVE", "REOPEN", "SLOWMODE",
    "UNLOCK", "UNMUTE", "describe",
]

LOCK, UNLOCK, CLOSE, REOPEN, SLOWMODE = "lock", "unlock", "close", "reopen", "slowmode"
REMOVE, PURGE, APPROVE = "remove", "purge", "approve"
MUTE, UNMUTE = "mute", "unmute"
FILTER_ADD, FILTER_REMOVE = "filter_add", "filter_remove"


def describe(action: ModerationAction) -> str:
    """What follows the action's name in a `/mod log` line (Discord markdown; may be empty)."""
    d = action.details
    user = f"<@{action.target_user_id}>" if action.target_user_id else None
    thread = f"<#{action.target_thread_id}>" if action.target_thread_id else None
    name = action.action
    if name in (LOCK, UNLOCK, REOPEN) and thread:
        return thread
    if name == CLOSE and thread:
        return thread + (" (automatic)" if d.get("automatic") else "")
    if name == SLOWMODE:
        seconds = int(d.get("seconds", 0))
        return (format_duration(seconds) if seconds else "off") + (f" in {thread}" if thread else "")
    if name in (REMOVE, APPROVE):
        return "comment" + (f" by {user}" if user else "") + (f" in {thread}" if thread else "")
    if name == PURGE:
        scope = f" on article {d['article_id']}" if d.get("article_id") else ""
        return (plural(int(d["count"]), "comment") if "count" in d else "comments") + (f" by {user}" if user else "") + scope
    if name == MUTE and user:
        return user + (f" until <t:{int(action.expires_at)}:f>" if action.expires_at else "")
    if name == FILTER_ADD and "pattern" in d:
        return f"`{d['pattern']}` → {d.get('action', 'remove')}" + (" (regex)" if d.get("regex") else "")
    if name == FILTER_REMOVE and "pattern" in d:
        return f"`{d['pattern']}`"
    return user or thread or ""
