"""Filter rules and caps on plain data (bot/feeds/rules.py): fields, words and regexes, AND/OR, today's keyword
filters through the same path, catastrophic regexes refused, and the daily cap and minimum gap."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from bot.articles.records import Article
from bot.feeds.rules import (
    CapUsage,
    RuleError,
    RuleSet,
    cap_refusal,
    compiled_rules,
    item_fields,
    parse_rules,
    rules_text,
)
from bot.feeds.subscriptions import filter_refusal

NOW = datetime(2026, 12, 6, tzinfo=UTC)


def article(title: str = "Council approves night buses", *, text: str = "The city council voted on Tuesday.",
            author: str | None = "Ana Ruiz", categories: tuple[str, ...] = ("Transport", "City"),
            url: str = "https://news.example/city/night-buses") -> Article:
    return Article(id=1, feed_id=1, guid="g", url=url, content_hash="h", title=title, author=author, published=NOW,
                   image=None, excerpt=text[:100], text=text, language="en", first_seen=NOW, updated=NOW,
                   categories=categories)


def refusal(rules: str, match: str = "all", item: Article | None = None) -> str | None:
    return RuleSet(parse_rules(rules), match).refusal(item or article())


def test_each_field_is_read_with_whole_words_any_case() -> None:
    assert refusal("title: buses") is None
    assert refusal("title: bus") == "its title has none of: bus"  # whole words only
    assert refusal("text: TUESDAY") is None
    assert refusal("author: ruiz") is None
    assert refusal("categories: transport") is None
    assert refusal("categories: sport") == "its categories has none of: sport"
    assert refusal("link: news.example") is None
    assert refusal("any: ana") is None
    assert refusal("-author: ruiz") == "its author has an excluded word (ruiz)"


def test_regex_rules_and_their_text_form() -> None:
    assert refusal(r"link: /\/city\//") is None
    assert refusal(r"-link: /\/opinion\//") is None
    assert refusal(r"title: /night\s+bus(es)?/") is None
    assert refusal(r"title: /^weather/") == "its title does not match /^weather/"
    # A regex may hold ";" and ":" without splitting the rules.
    rules = parse_rules(r"title: /a;b:c/; -author: bot")
    assert [r.pattern for r in rules] == ["a;b:c", None]
    assert rules_text(rules) == "title: /a;b:c/; -author: bot"


def test_rules_combine_with_and_or() -> None:
    both = "title: buses; author: smith"
    assert refusal(both, "all") == "its author has none of: smith"
    assert refusal(both, "any") is None
    assert refusal("title: trains; author: smith", "any").startswith("no rule lets it through")


def test_keyword_filters_go_through_the_same_rules() -> None:
    assert filter_refusal("buses, trams", None, "Council approves night buses") is None
    assert filter_refusal("trams", None, "Council approves night buses") == "none of the words it must have: trams"
    assert filter_refusal(None, "weather", "Weather: a sunny week") == "has the excluded word 'weather'"
    # Stored filters: keywords are required whatever the match of the rules.
    rules = compiled_rules(None, "council", "title: trams; author: ruiz", "any")
    assert isinstance(rules, RuleSet)
    assert rules.refusal(article()) == "has the excluded word 'council'"
    assert isinstance(compiled_rules("buses", None, "title: trams; author: ruiz", "any"), RuleSet)


@pytest.mark.parametrize(("text", "says"), [
    ("title", "needs a field"),
    ("colour: red", "unknown field"),
    ("title: /(unclosed/", "does not compile"),
    ("title: /(a+)+$/", "backtracks"),
    ("text: /(\\w+\\s?)+$/", "backtracks"),
    ("title: ,", "has no words"),
    ("title: a;" * 30, "At most 20 rules"),
    ("title: " + "a" * 3000, "limited to 2000 characters"),
])
def test_unusable_rules_get_one_clear_sentence(text: str, says: str) -> None:
    with pytest.raises(RuleError, match=says):
        parse_rules(text)
    stored = compiled_rules(None, None, text, "all")
    assert isinstance(stored, RuleError)  # a stored rule that cannot be used filters, it does not crash


def test_the_rules_of_one_item_share_one_time_budget() -> None:
    """A rule can pass the backtracking check and still be slow on a long text: once an item's budget is
    spent, the remaining rules give up (do not match) instead of each taking its own 50 ms."""
    (rule,) = parse_rules("title: buses")
    item = item_fields(article())
    assert rule.found(item)
    assert not rule.found(item, deadline=time.monotonic() - 0.001)
    assert RuleSet((rule,)).refusal(article()) is None


def test_daily_cap_and_minimum_gap() -> None:
    now = 1_000_000.0
    assert cap_refusal(None, None, CapUsage(500, now - 1, now)) is None
    assert cap_refusal(3, None, CapUsage(2, now - 1, now)) is None
    assert cap_refusal(3, None, CapUsage(3, now - 1, now)) == "the daily cap of 3 posts in 24 hours was reached"
    assert cap_refusal(None, 30, CapUsage(1, now - 600, now)) == (
        "only 10 min after the previous post (the minimum gap is 30 min)")
    assert cap_refusal(None, 30, CapUsage(1, now - 1800, now)) is None
    assert cap_refusal(None, 30, CapUsage(0, None, now)) is None
