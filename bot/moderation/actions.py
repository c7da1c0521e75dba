"""The names moderation actions are logged under in `moderation_actions`, and how one reads as a mod-log entry.

The name says what was done (a verb, as the schema lists them); particulars go to `details` (JSON):
slowmode {"seconds"}, purge {"count", "messages", "article_id", "since"}, filter_add {"pattern", "action",
"regex"}, filter_remove {"pattern"}, close {"automatic": true} when the auto-close timer did it.
Actions by the bot itself (auto-close, a mute's expiry, a muted user's or a filter's removal) are logged
with the bot's own user id as the moderator (records from before 0.x may carry 0).

`entry_text` is the one wording of an entry: the mod-log channel posts it and `/mod log` lists it, so a
moderator reads the same sentence in both — who did it, a past-tense verb, the target, and the reason
(written in the third person: "the author is muted", never "you are muted").
"""

from __future__ import annotations

from bot.formats import plural
from bot.moderation.rules import format_duration
from bot.posting.format import escape_mentions
from bot.storage.moderation import ModerationAction

__all__ = [
    "APPROVE", "AUTO_HOLD", "BAN", "BOT_NAME", "CLOSE", "FEATURE", "FEED_ADD", "FEED_EDIT", "FEED_PAUSE",
    "FEED_REMOVE", "FEED_RESUME", "FILTER_ADD", "FILTER_REMOVE", "HOLD", "HOLD_END", "LOCK", "MUTE", "PURGE",
    "REMOVE", "REOPEN", "SETTINGS", "SLOWMODE", "UNBAN", "UNFEATURE", "UNLOCK", "UNMUTE", "actor_label", "describe",
    "entry_text",
]

LOCK, UNLOCK, CLOSE, REOPEN, SLOWMODE = "lock", "unlock", "close", "reopen", "slowmode"
REMOVE, PURGE, APPROVE = "remove", "purge", "approve"
MUTE, UNMUTE = "mute", "unmute"
# A ban is a mute without an end (details {"remove_past": count queued}); a feature pins and lists a comment.
BAN, UNBAN = "ban", "unban"
FEATURE, UNFEATURE = "feature", "unfeature"
# Pre-moderation (bot/moderation/review.py): a comment hidden by reports {"kind", "reports"}; a member put on
# hold automatically {"rejected", "window", "limit", "hours"}, and the end of that hold.
HOLD, AUTO_HOLD, HOLD_END = "hold", "auto_hold", "hold_end"
FILTER_ADD, FILTER_REMOVE = "filter_add", "filter_remove"
# Feed changes made on the web dashboard (details {"feed", "channel_id"}): logged and echoed like the rest.
FEED_ADD, FEED_EDIT, FEED_PAUSE, FEED_RESUME, FEED_REMOVE = (
    "feed_add", "feed_edit", "feed_pause", "feed_resume", "feed_remove")
SETTINGS = "settings"  # changed on the web dashboard; details {"changed": [setting names]}
_FEED_VERBS = {FEED_ADD: "followed", FEED_EDIT: "changed", FEED_PAUSE: "paused", FEED_RESUME: "resumed",
               FEED_REMOVE: "stopped following"}

BOT_NAME = "Newsdesk"

_THREAD_VERBS = {LOCK: "locked", UNLOCK: "unlocked", CLOSE: "closed", REOPEN: "reopened"}


def describe(action: ModerationAction) -> str:
    """What was done, in the past tense with its verb in bold: `**removed** a comment by <@1> in <#2>`."""
    d = action.details
    user = f"<@{action.target_user_id}>" if action.target_user_id else None
    thread = f"<#{action.target_thread_id}>" if action.target_thread_id else None
    name = action.action
    if name in _THREAD_VERBS:
        return (f"**{_THREAD_VERBS[name]}** {thread or 'a thread'}"
                + (" automatically" if name == CLOSE and d.get("automatic") else ""))
    if name == SLOWMODE:
        seconds = int(d.get("seconds", 0))
        where = f" in {thread}" if thread else ""
        return f"**set slowmode** to {format_duration(seconds)}{where}" if seconds else f"**turned slowmode off**{where}"
    if name in (REMOVE, APPROVE):
        verb = "removed" if name == REMOVE else "approved"
        return f"**{verb}** a comment" + (f" by {user}" if user else "") + (f" in {thread}" if thread else "")
    if name == PURGE:
        count = d.get("count")
        scope = f" on article {d['article_id']}" if d.get("article_id") else ""
        refused = f" ({int(d['refused'])} could not be removed)" if d.get("refused") else ""
        return ("**purged** " + (plural(int(count), "comment") if count is not None else "comments")
                + (f" by {user}" if user else "") + scope + refused)
    if name == MUTE:
        if action.expires_at is None:
            return f"**muted** {user or 'a user'}"
        length = format_duration(max(1, round(action.expires_at - action.created_at)))
        return f"**muted** {user or 'a user'} for {length}, until <t:{int(action.expires_at)}:f>"
    if name == UNMUTE:
        return f"**unmuted** {user or 'a user'}"
    if name in (BAN, UNBAN):
        past = int(d.get("remove_past") or 0)
        return (f"**{'banned' if name == BAN else 'unbanned'}** {user or 'a user'} from comments"
                + (f" (removing {plural(past, 'earlier comment')})" if past else ""))
    if name in (FEATURE, UNFEATURE):
        return (f"**{'featured' if name == FEATURE else 'unfeatured'}** a comment"
                + (f" by {user}" if user else "") + (f" in {thread}" if thread else ""))
    if name == HOLD:
        return "**held** a comment" + (f" by {user}" if user else "") + (f" in {thread}" if thread else "") + " for review"
    if name == AUTO_HOLD:
        until = f", until <t:{int(action.expires_at)}:f>" if action.expires_at else ""
        return (f"**put** {user or 'a user'} **on pre-moderation** for {plural(int(d.get('hours', 0)), 'hour')}"
                f"{until} (rejected: {d.get('rejected', '?')} of their last {plural(int(d.get('window', 0)), 'comment')},"
                f" more than {d.get('limit', '?')})")
    if name == HOLD_END:
        return f"**ended the pre-moderation hold** on {user or 'a user'}"
    if name == FILTER_ADD:
        return (f"**added the filter** `{d.get('pattern', '?')}` → {d.get('action', 'remove')}"
                + (" (regex)" if d.get("regex") else ""))
    if name == FILTER_REMOVE:
        return f"**removed the filter** `{d.get('pattern', '?')}`"
    if name == SETTINGS:
        return f"**changed the settings** {', '.join(d.get('changed', [])) or ''} (on the dashboard)".replace("  ", " ")
    if name in _FEED_VERBS:
        where = f" in <#{d['channel_id']}>" if d.get("channel_id") else ""
        return f"**{_FEED_VERBS[name]}** the feed {escape_mentions(str(d.get('feed', '?')))}{where} (on the dashboard)"
    return f"**{name}**" + (f" {user or thread}" if user or thread else "")


def actor_label(moderator_id: int, bot_user_id: int | None) -> str:
    """Who did it: a mention of the moderator, or the bot's name for its own actions."""
    return BOT_NAME if moderator_id == 0 or moderator_id == bot_user_id else f"<@{moderator_id}>"


def entry_text(action: ModerationAction, *, bot_user_id: int | None) -> str:
    """One mod-log entry (Discord markdown, mentions meant not to ping): actor, what, reason."""
    reason = f" — reason: {escape_mentions(' '.join(action.reason.split()))}" if action.reason else ""
    return f"{actor_label(action.moderator_id, bot_user_id)} {describe(action)}{reason}"

