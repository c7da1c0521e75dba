"""The failures of one story that its channel's queue acts on, as opposed to transient ones (retried later)."""

from __future__ import annotations

__all__ = ["PermissionProblem", "RefusedStory"]


class PermissionProblem(Exception):
    """The channel cannot take stories (missing permission, deleted channel, a forum demanding a tag):
    the subscription is marked failing and its stories wait for `/feed resume`. The message is for admins."""


class RefusedStory(Exception):
    """Discord rejects this story's post as invalid (400), even without its image and author."""
