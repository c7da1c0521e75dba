"""Language-aware terms of an article for story matching: what two reports of one event share.

Terms are lower-cased words of the title (and, when given, the lead: the first sentences of the summary) with
the language's stop words removed and a Snowball stem, so "Ukraine's", "Ukrainian" and "ukraine" meet. Title
terms count more than lead terms (a headline names the event; a lead also tells background). Numbers are kept
apart: two reports of one event rarely disagree on every figure, while a follow-up ("second quarter", "day 3")
often does, which is how an update of a different story is told apart.

The language comes from the article's declared language or the stop word guess in `bot.summarize.language`;
scripts written without spaces are cut into character bigrams there, so they still share terms.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from bot.summarize.language import detect_language, needs_bigrams, normalize_language, stop_words, tokenize

__all__ = ["ArticleTerms", "extract_terms", "guess_language", "lead_of"]

# Languages a title is guessed among (stopwordsiso's major Latin and Cyrillic ones).
_GUESSABLE = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "hu", "tr",
              "ru", "uk", "id")
_WORD = re.compile(r"\w+", re.UNICODE)
_GUESS_CHARS = 300

# ISO 639-1 -> Snowball algorithm name (snowballstemmer ships these; others are left unstemmed).
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian", "fa": "persian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "es": "spanish",
    "sv": "swedish", "ta": "tamil", "tr": "turkish",
}
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_LEAD_CHARS = 400
# Words news titles use for every story; they say nothing about which one.
_NEWS_WORDS = frozenset(
    """update updated updates live breaking video watch photos photo exclusive report reports reported says
    said new news latest analysis opinion review interview today week"""
    .split()
)


@dataclass(frozen=True, slots=True)
class ArticleTerms:
    """Weighted terms of one article (term -> weight before IDF), its numbers and its language."""

    weights: dict[str, float]
    numbers: frozenset[str]
    language: str
    has_lead: bool = False


def lead_of(summary: str | None, chars: int = _LEAD_CHARS) -> str:
    """The first `chars` characters of `summary`, cut at a word boundary."""
    if not summary:
        return ""
    text = " ".join(summary.split())
    if len(text) <= chars:
        return text
    cut = text.rfind(" ", 0, chars)
    return text[: cut if cut > 0 else chars]


def _hits(counts: Counter[str], stops: frozenset[str]) -> int:
    return sum(n for word, n in counts.items() if word in stops)


def guess_language(text: str, prefer: str | None = None) -> str | None:
    """The language of a short text when its stop words say so (two hits or more), else None.

    Among languages tied for the most hits, `prefer` wins when it is one of them, else the more widely used
    (the order of `_GUESSABLE`): a headline has few stop words, and many lists share "die", "der" or "a".
    """
    if needs_bigrams(text):
        return detect_language(text)
    # A title and a lead's first words are enough to tell; counting each distinct word once keeps it cheap.
    counts = Counter(word for word in _WORD.findall(text.lower()[:_GUESS_CHARS]) if not word.isdigit())
    if not counts:
        return None
    hits = {code: _hits(counts, stop_words(code)) for code in _GUESSABLE}
    best = max(hits.values())
    if best < 2:
        return None
    tied = [code for code in _GUESSABLE if hits[code] == best]
    return prefer if prefer in tied else tied[0]


@lru_cache(maxsize=64)
def _stemmer(language: str) -> Callable[[str], str]:
    name = _SNOWBALL.get(language)
    if name is None:
        return lambda word: word
    try:
        import snowballstemmer
    except ImportError:  # optional at run time: matching still works on unstemmed words, a little less often
        return lambda word: word
    stem = snowballstemmer.stemmer(name).stemWord
    cache: dict[str, str] = {}

    def cached(word: str) -> str:
        found = cache.get(word)
        if found is None:
            if len(cache) > 200_000:
                cache.clear()
            found = cache[word] = stem(word)
        return found

    return cached


def _terms(text: str, stops: frozenset[str], stem: Callable[[str], str]) -> tuple[list[str], list[str]]:
    words: list[str] = []
    numbers: list[str] = []
    for token in tokenize(text):
        token = token.strip("_")
        if not token:
            continue
        if _NUMBER.match(token):
            numbers.append(token.replace(",", "."))
            continue
        if len(token) < 2 or token in stops or token in _NEWS_WORDS:
            continue
        # Possessives and elisions ("obama's", "l'état") tokenise as two words; the one-letter part is dropped above.
        words.append(stem(token))
    return words, numbers


def extract_terms(title: str, lead: str = "", language: str | None = None, *, lead_weight: float = 0.5,
                  fallback_language: str = "en") -> ArticleTerms:
    """Terms of an article's title and lead (see the module docstring).

    The language is `language` when given, else the clear guess from the text, else `fallback_language`.
    """
    code = (normalize_language(language) or guess_language(f"{title} {lead}", prefer=fallback_language)
            or fallback_language)
    # Titles are short: the guess can miss, so English stop words go too (they are never story terms).
    stops = stop_words(code) | stop_words("en") if code != "en" else stop_words("en")
    stem = _stemmer(code)
    weights: dict[str, float] = {}
    title_words, title_numbers = _terms(title, stops, stem)
    for word in title_words:
        weights[word] = weights.get(word, 0.0) + 1.0
    numbers = set(title_numbers)
    if lead:
        lead_words, lead_numbers = _terms(lead, stops, stem)
        for word in lead_words:
            weights[word] = weights.get(word, 0.0) + lead_weight
        numbers.update(lead_numbers)
    return ArticleTerms(weights=weights, numbers=frozenset(numbers), language=code, has_lead=bool(lead.strip()))
