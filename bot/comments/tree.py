"""The discussion as a tree: reply links from Discord become parent/child, rendered as indented text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.posting.format import escape_mentions, truncate_words
from bot.storage.comments import Comment

__all__ = ["CommentNode", "build_tree", "paginate", "render_lines"]

INDENT = "  "
MAX_DEPTH_SHOWN = 8  # deeper replies are drawn at this depth so lines stay readable on a phone


@dataclass
class CommentNode:
    comment: Comment
    depth: int = 0
    children: list[CommentNode] = field(default_factory=list)


def build_tree(comments: Iterable[Comment]) -> list[CommentNode]:
    """Roots in time order, each with its replies. A reply whose parent is not a comment (the story post,
    or a message we never saw) is a root, so nothing is lost from view."""
    nodes = {c.message_id: CommentNode(c) for c in sorted(comments, key=lambda c: c.message_id)}
    roots: list[CommentNode] = []
    for node in nodes.values():
        parent = nodes.get(node.comment.parent_id) if node.comment.parent_id is not None else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            parent.children.append(node)
    # Depths are set iteratively: reply chains can be thousands deep.
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        node, depth = stack.pop()
        node.depth = depth
        stack.extend((child, depth + 1) for child in reversed(node.children))
    return roots


def walk(roots: Sequence[CommentNode]) -> Iterable[CommentNode]:
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _body(comment: Comment, show_removed_text: bool) -> str:
    if comment.status == "removed":
        return "[removed by a moderator]" if not show_removed_text else f"[removed] {comment.content}"
    if comment.status == "deleted":
        return "[deleted]" if not show_removed_text else f"[deleted] {comment.content}"
    text = " ".join(comment.content.split()) or ("[attachment]" if comment.attachments else "[empty]")
    return text


def render_lines(roots: Sequence[CommentNode], *, width: int = 160, show_removed_text: bool = False) -> list[str]:
    lines = []
    for node in walk(roots):
        depth = min(node.depth, MAX_DEPTH_SHOWN)
        prefix = INDENT * depth + ("↳ " if node.depth else "• ")
        name = escape_mentions(node.comment.author_name)
        body = escape_mentions(_body(node.comment, show_removed_text))
        edited = " (edited)" if node.comment.edited_at else ""
        lines.append(truncate_words(f"{prefix}**{name}**{edited}: {body}", width))
    return lines


def paginate(lines: Sequence[str], *, max_chars: int = 1800, max_lines: int = 20) -> list[str]:
    """Group lines into pages that fit one Discord message."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if current and (size + len(line) + 1 > max_chars or len(current) >= max_lines):
            pages.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pages.append("\n".join(current))
    return pages
