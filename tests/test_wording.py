"""Counts in replies read as English for 0, 1 and 2: every noun the code counts, and every phrase built on
them; and no reply interpolates a count straight before a hand-written plural."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.comments.digest import render_digest
from bot.comments.figures import activity_figures, ranked_line
from bot.comments.stats import ArticleActivity
from bot.formats import join_words, plural
from bot.moderation import actions
from bot.storage.moderation import ModerationAction

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for package in ("bot", "cogs", "newsdesk", "demo") for p in (ROOT / package).rglob("*.py")]
PLURAL_CALL = re.compile(r"""plural\([^()]*?(?:\([^()]*\)[^()]*?)*,\s*['"]([^'"]+)['"]\s*\)""")
IRREGULAR = {"person": "people"}


def counted_nouns() -> set[str]:
    nouns = set()
    for path in SOURCES:
        nouns.update(PLURAL_CALL.findall(path.read_text(encoding="utf-8")))
    return nouns


def test_the_code_counts_nouns_through_plural() -> None:
    assert {"comment", "person", "reaction", "item", "day", "failed poll", "server", "shard"} <= counted_nouns()


@pytest.mark.parametrize("noun", sorted(counted_nouns()))
def test_every_counted_noun_for_0_1_2(noun: str) -> None:
    many = IRREGULAR.get(noun, noun + "s")
    assert (plural(0, noun), plural(1, noun), plural(2, noun)) == (f"0 {many}", f"1 {noun}", f"2 {many}")


def test_plural_details() -> None:
    assert plural(1_234, "reply") == "1,234 replies" and plural(2, "match") == "2 matches"
    assert plural(3, "datum", "data") == "3 data"
    assert [join_words(w) for w in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == ["", "a", "a and b", "a, b and c"]


@pytest.mark.parametrize("n", [0, 1, 2])
def test_discussion_figures(n: int) -> None:
    expected = {0: "0 comments from 0 people, 0 reactions", 1: "1 comment from 1 person, 1 reaction",
                2: "2 comments from 2 people, 2 reactions"}[n]
    assert activity_figures(n, n, n) == expected
    activity = ArticleActivity(1, "Heatwave peaks", "https://n.example/a", n, n, n)
    assert ranked_line(1, activity) == f"1. [Heatwave peaks](<https://n.example/a>) — {expected}"
    assert render_digest("2026-12-06", [activity]).endswith(expected)


@pytest.mark.parametrize(("n", "text"), [(0, "0 comments"), (1, "1 comment"), (2, "2 comments")])
def test_mod_log_purge_count(n: int, text: str) -> None:
    action = ModerationAction(id=1, guild_id=1, moderator_id=2, action=actions.PURGE, target_user_id=None,
                              target_message_id=None, target_thread_id=None, article_id=None, reason=None,
                              details={"count": n}, created_at=0.0, expires_at=None)
    assert actions.describe(action) == f"**purged** {text}"


# A count written straight before a plural noun ("{n} comments") reads "1 comments" once n is 1.
HAND_PLURAL = re.compile(
    r"\{[^{}]+\} (comments|people|reactions|items|posts|days|records|polls|errors|servers|shards|replies|"
    r"revisions|threads|feeds|stories|articles|messages|minutes|hours|seconds)\b")

# "item(s)": the hedge of a message that did not count; "http(s) URL" is a scheme, not a plural.
HEDGED_PLURAL = re.compile(r"[a-z](?<!http)(?<!ws)\(s\)")


def string_literals(path: Path) -> list[tuple[int, str]]:
    """Every string and f-string of a module as source text (f-strings with their {fields})."""
    literals = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            literals.append((node.lineno, ast.unparse(node)))
    return literals


def test_no_reply_counts_with_a_hand_written_plural() -> None:
    found = []
    for path in SOURCES:
        for number, literal in string_literals(path):
            if HAND_PLURAL.search(literal) or HEDGED_PLURAL.search(literal):
                found.append(f"{path.relative_to(ROOT)}:{number}: {literal}")
    assert not found, "\n".join(found)
