"""Carries the posting outbox out on Discord: story posts, their threads or forum posts, and edits.

    publisher.py  StoryPublisher: the background pass (woken by feed events) and one queue per channel
    story.py      StorySender: one story as a message (or forum post) and the edit of a posted one
    threads.py    StoryThreads: a story's thread or forum post, registered, then auto-close and summary
    recovery.py   finding what an earlier run sent before it could store it (nonce, history, forum posts)
    notices.py    what the admin channel is told (failing feeds, blocked channels, refused stories)
    problems.py   the two failures a story's queue acts on (a blocked channel, a refused story)

Built by the composition root (`newsdesk/app.py`), which hands each part what it uses.
"""

from cogs.publishing.notices import AdminNotices
from cogs.publishing.publisher import StoryPublisher

__all__ = ["AdminNotices", "StoryPublisher"]
