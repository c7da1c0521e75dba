"""The /mod cog, in parts: `cog.py` puts together threads.py (lock, close, slowmode), removal.py (remove,
the message menu, purge), mutes.py, review.py (filters, the review queue, the log), timers.py (mute expiry,
auto-close), on base.py; views.py holds its form and buttons, modlog.py posts entries to #mod-log."""

from cogs.moderation.cog import ModerationCog

__all__ = ["ModerationCog"]
