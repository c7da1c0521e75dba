"""An article as the values of a template's fields.

`story_values` never raises: an article with odd data (no date, no title, a strange image link) gives empty
values, and the template's fallbacks take over. Times are written the guild's way (`bot/times.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

from bot.articles.records import Article
from bot.stories.terms import guess_language
from bot.summarize.language import normalize_language, stop_words
from bot.times import TimeStyle, format_time

__all__ = ["SAMPLE_ARTICLE", "keywords", "story_values"]

_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{2,}", re.UNICODE)
MAX_KEYWORDS = 5

SAMPLE_ARTICLE = Article(
    id=0, feed_id=None, guid=None, url="https://news.example/2026/12/06/harbour-bridge-reopens",
    content_hash="sample", title="Harbour bridge reopens after a year of repairs",
    author="Sam Reporter", published=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
    image="https://news.example/images/bridge.jpg",
    excerpt="The bridge carries its first traffic since the storm; the city says the repairs came in under budget.",
    text=None, language="en", first_seen=datetime(2026, 12, 6, 9, 31, tzinfo=UTC),
    updated=datetime(2026, 12, 6, 9, 31, tzinfo=UTC), categories=("Local", "Transport"))


def keywords(title: str, excerpt: str = "", language: str | None = None, limit: int = MAX_KEYWORDS) -> list[str]:
    """The article's main words: title words count twice, stop words and numbers are left out; each word as
    it is first written (the title's capitals kept), most frequent first, then in order of appearance."""
    text = f"{title} {excerpt}"[:2000]
    code = normalize_language(language) or guess_language(text) or "en"
    stops = stop_words(code) | stop_words("en")
    counts: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for weight, part in ((2, title[:500]), (1, excerpt[:1500])):
        for match in _WORD.finditer(part):
            word = match.group(0)
            key = word.lower().replace("’", "'")
            if len(key) < 3 or key in stops or key.split("'")[0] in stops:
                continue
            counts[key] += weight
            shown.setdefault(key, word)
    order = {key: n for n, key in enumerate(shown)}
    ranked = sorted(counts, key=lambda k: (-counts[k], order[k]))
    return [shown[k] for k in ranked[:limit]]


def story_values(article: Article, *, outlet: str, summary: str | None = None,
                 time_style: TimeStyle | None = None) -> dict[str, object]:
    """field -> value for `bot.templates.language.Template.render`."""
    published = article.published
    image = article.image if article.image and article.image.startswith(("http://", "https://")) else None
    try:
        words = keywords(article.title or "", article.excerpt or "", article.language)
    except Exception:  # keywords are a nicety: a language-detection surprise leaves them empty
        words = []
    return {
        "title": article.title or article.url,
        "link": article.url,
        "url": article.url,
        "summary": summary,
        "excerpt": article.excerpt,
        "author": article.author,
        "outlet": outlet,
        "published": format_time(published, time_style or TimeStyle()),
        "published_relative": f"<t:{int(published.timestamp())}:R>" if published else None,
        "image": image,
        "tags": list(article.categories),
        "keywords": words,
    }
