"""Which items a subscription carries: filter rules over an item's fields, and the daily cap and minimum gap.

The rules' text form, as typed in `/feed add|edit rules:` and on the dashboard, is rules separated by ";":

    title: ai, "central bank"        the title has one of these words (whole words, any case)
    -author: sponsored               exclude: the author has none of these words
    text: /\\bGPT-?\\d\\b/              a regex (the `regex` module, case-insensitive), between slashes
    link: /example\\.com\\/opinion/     fields: title, text, author, categories, link, any (all of them)

Rules combine with AND ("all", the default) or OR ("any"). Today's keyword include/exclude filters are
rules too (`legacy_rules`), always required, so both forms go through `refusal`, the one evaluation path.
A regex is compiled once and refused when it backtracks catastrophically (the moderators' word-filter check,
`bot.patterns.too_slow`). Rules run on the event loop, so all the rules of one item share one `ITEM_BUDGET`
(a pattern can pass that check and still be slow on a long text): a search that runs out of it does not match.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

from bot.articles.records import Article, FeedItem
from bot.formats import plural
from bot.patterns import PATTERN_TIMEOUT, too_slow

__all__ = ["FIELDS", "ITEM_BUDGET", "MATCHES", "CapUsage", "Rule", "RuleError", "RuleSet", "cap_refusal", "compiled_rules", "item_fields", "legacy_rules",
           "parse_rules", "rules_text"]

log = logging.getLogger(__name__)

FIELDS = ("title", "text", "author", "categories", "link", "any")
MATCHES = ("all", "any")
MAX_RULES = 20
MAX_RULES_TEXT = 2000
# The time all of one item's rules may take for one channel (benchmarks/delivery_rules.py: 20 slow rules took
# 50 ms each before they shared it).
ITEM_BUDGET = PATTERN_TIMEOUT
# Fields are searched up to this length: a rule must not scan a 500,000-character article on the event loop.
_FIELD_LIMIT = 20_000


class RuleError(ValueError):
    """A rule that cannot be used, phrased for the person who typed it."""


@dataclass(frozen=True)
class Rule:
    field: str
    exclude: bool
    words: tuple[str, ...] = ()
    pattern: str | None = None      # a regex, instead of words
    compiled: Any = dataclasses.field(default=None, compare=False, repr=False)

    def text(self) -> str:
        """This rule in the text form it was parsed from."""
        what = f"/{self.pattern}/" if self.pattern is not None else ", ".join(
            f'"{w}"' if "," in w or ";" in w else w for w in self.words)
        return f"{'-' if self.exclude else ''}{self.field}: {what}"

    def found(self, item: dict[str, str], deadline: float | None = None) -> bool:
        """Whether the rule's words or regex appear in its field of `item`; a search still running at
        `deadline` (time.monotonic(); default: one ITEM_BUDGET from now) gives up and counts as no."""
        haystack = item[self.field][:_FIELD_LIMIT]
        if self.compiled is None:
            return False
        left = (deadline if deadline is not None else time.monotonic() + ITEM_BUDGET) - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError  # the item's budget is spent: later rules are not even tried
            return self.compiled.search(haystack, timeout=left) is not None
        except TimeoutError:
            log.warning("filter rule %r gave up on a %d-character %s (the rules of one item get %g s); "
                        "rewrite it with /feed edit", self.text(), len(haystack), self.field, ITEM_BUDGET)
            return False

    def describe(self) -> str:
        """Why an item fails this rule, in a delivery's detail."""
        if self.pattern is not None:
            return f"its {self.field} {'matches' if self.exclude else 'does not match'} /{self.pattern}/"
        words = ", ".join(self.words)
        if self.field == "legacy":
            return f"has an excluded word ({words})" if self.exclude else f"none of the words it must have: {words}"
        return (f"its {self.field} has an excluded word ({words})" if self.exclude
                else f"its {self.field} has none of: {words}")


@dataclass(frozen=True)
class RuleSet:
    """`required` rules must all pass; `rules` pass together ("all") or with one of them ("any")."""

    rules: tuple[Rule, ...] = ()
    match: str = "all"
    required: tuple[Rule, ...] = ()

    def refusal(self, article: Article | FeedItem) -> str | None:
        """Why these rules keep `article` (stored, or as the feed lists it) out, or None when they let it in."""
        return self.refusal_in(item_fields(article))

    def refusal_in(self, item: dict[str, str]) -> str | None:
        """The same over an item's fields (`item_fields`)."""
        deadline = time.monotonic() + ITEM_BUDGET
        for rule in self.required:
            if rule.found(item, deadline) == rule.exclude:
                return _legacy_wording(rule, item)
        if not self.rules:
            return None
        failed = [rule for rule in self.rules if rule.found(item, deadline) == rule.exclude]
        if self.match == "any":
            return None if len(failed) < len(self.rules) else "no rule lets it through: " + "; ".join(
                r.describe() for r in failed)
        return failed[0].describe() if failed else None


def _legacy_wording(rule: Rule, item: dict[str, str]) -> str:
    if not rule.exclude:
        return rule.describe()
    hit = next((w for w in rule.words if _word_regex((w,)).search(item["legacy"])), rule.words[0])
    return f"has the excluded word '{hit}'"


def item_fields(article: Article | FeedItem) -> dict[str, str]:
    """The text each rule field reads (FIELDS, plus "legacy": what the keyword filters always read)."""
    full = article.text if isinstance(article, Article) else article.content_text
    title, text = article.title or "", full or article.excerpt or ""
    author, categories = article.author or "", "\n".join(article.categories)
    return {"title": title, "text": text, "author": author, "categories": categories, "link": article.url,
            "any": "\n".join((title, text, author, categories, article.url)),
            # Today's keyword filters read the title and the excerpt, as they always did.
            "legacy": f"{title} {article.excerpt or ''}"}


def _word_regex(words: Sequence[str]) -> Any:
    alternatives = "|".join(regex.escape(w) for w in words)
    return regex.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", regex.IGNORECASE)


def _keywords(text: str) -> tuple[str, ...]:
    return tuple(k.strip().strip('"').lower() for k in text.split(",") if k.strip().strip('"'))


def legacy_rules(include: str | None, exclude: str | None) -> tuple[Rule, ...]:
    """Today's comma-separated keyword filters as required rules over the title and excerpt."""
    rules = []
    for text, is_exclude in ((include, False), (exclude, True)):
        words = _keywords(text or "")
        if words:
            rules.append(Rule("legacy", is_exclude, words, compiled=_word_regex(words)))
    return tuple(rules)


def parse_rules(text: str | None) -> tuple[Rule, ...]:
    """Rules from their text form (see the module docstring). Raises RuleError with one clear sentence."""
    text = (text or "").strip()
    if not text:
        return ()
    if len(text) > MAX_RULES_TEXT:
        raise RuleError(f"Rules are limited to {MAX_RULES_TEXT} characters; shorten them.")
    rules = []
    for part in _split_rules(text):
        rules.append(_parse_rule(part))
    if len(rules) > MAX_RULES:
        raise RuleError(f"At most {MAX_RULES} rules per feed; combine words into one rule (title: a, b, c).")
    return tuple(rules)


def _split_rules(text: str) -> list[str]:
    """Split on ";", except inside a /regex/ value (it ends at a "/" followed by ";" or the end)."""
    parts, i, n = [], 0, len(text)
    while i < n:
        colon, semi = text.find(":", i), text.find(";", i)
        if colon != -1 and (semi == -1 or colon < semi):
            j = colon + 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == "/":
                end = n
                for k in range(j + 1, n):
                    if text[k] == "/" and text[k + 1:].lstrip().startswith(";"):
                        end = text.index(";", k)
                        break
                parts.append(text[i:end])
                i = end + 1
                continue
        if semi == -1:
            parts.append(text[i:])
            break
        parts.append(text[i:semi])
        i = semi + 1
    return [p.strip() for p in parts if p.strip()]


def _parse_rule(part: str) -> Rule:
    name, sep, what = part.partition(":")
    if not sep:
        raise RuleError(f"Rule `{part[:80]}` needs a field: write it as `title: words` (fields: {', '.join(FIELDS)}).")
    name, what = name.strip().lower(), what.strip()
    exclude = name.startswith("-")
    name = name.lstrip("-").strip()
    if name not in FIELDS:
        raise RuleError(f"Rule `{part[:80]}`: unknown field `{name[:30]}`; use one of {', '.join(FIELDS)}.")
    if len(what) >= 2 and what.startswith("/") and what.endswith("/"):
        pattern = what[1:-1]
        try:
            compiled = regex.compile(pattern, regex.IGNORECASE)
        except regex.error as exc:
            raise RuleError(f"Rule `{part[:80]}`: the regex does not compile ({exc}).") from None
        if too_slow(compiled):
            raise RuleError(f"Rule `{part[:80]}`: the regex backtracks too much on long text (like `(a+)+$`); "
                            "simplify it.")
        return Rule(name, exclude, pattern=pattern, compiled=compiled)
    words = _keywords(what)
    if not words:
        raise RuleError(f"Rule `{part[:80]}` has no words: list them after the colon, or a /regex/.")
    return Rule(name, exclude, words, compiled=_word_regex(words))


def rules_text(rules: Sequence[Rule]) -> str:
    return "; ".join(r.text() for r in rules)


# --- caps ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CapUsage:
    """What a subscription posted lately: reservations in the last 24 hours and when the latest was made."""

    last_day: int
    last_at: float | None
    now: float


def cap_refusal(daily_cap: int | None, min_gap_minutes: int | None, usage: CapUsage) -> str | None:
    """Why the cap or the gap keeps a new item out now, or None."""
    if daily_cap is not None and usage.last_day >= daily_cap:
        return f"the daily cap of {plural(daily_cap, 'post')} in 24 hours was reached"
    if min_gap_minutes is not None and usage.last_at is not None:
        since = usage.now - usage.last_at
        if since < min_gap_minutes * 60:
            return (f"only {int(since // 60)} min after the previous post (the minimum gap is "
                    f"{min_gap_minutes} min)")
    return None


@lru_cache(maxsize=512)
def compiled_rules(include: str | None, exclude: str | None, rules: str | None, match: str) -> RuleSet | RuleError:
    """A subscription's stored filters as one RuleSet (compiled once per text), or why they cannot be used."""
    try:
        return RuleSet(parse_rules(rules), match if match in MATCHES else "all", legacy_rules(include, exclude))
    except RuleError as exc:
        return exc
