"""Language handling: stop words, a light language guess and word tokenization for any script.

Stop words come from `stopwordsiso` (58 languages, shipped as one JSON file in the wheel). The language comes
from the article's own `language` field when there is one; otherwise it is guessed by which major language's
stop words cover most of the text's tokens, which is right for news prose and costs one pass over the words.
Scripts written without spaces (Chinese, Japanese, Thai) are tokenized into character bigrams so the
similarity measures in ranking still work on them.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache

__all__ = ["Language", "detect_language", "needs_bigrams", "normalize_language", "stop_words", "tokenize"]

log = logging.getLogger(__name__)

# Languages the guesser chooses between (the major ones in stopwordsiso with Latin or Cyrillic script).
_GUESSABLE = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "hu", "tr",
              "ru", "uk", "id")
# Used when stopwordsiso is unavailable: enough English to keep ranking sensible.
_FALLBACK_EN = frozenset(
    """a an and are as at be been but by for from had has have he her his i in is it its of on or our she that
    the their them they this to was we were which who will with would you your not no said says""".split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
_NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\u0e00-\u0e7f\uac00-\ud7af]")


def normalize_language(code: str | None) -> str | None:
    """'en-US', 'EN', 'en_GB' -> 'en'; None or junk -> None."""
    if not code:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return base if re.fullmatch(r"[a-z]{2,3}", base) else None


@lru_cache(maxsize=64)
def stop_words(language: str | None) -> frozenset[str]:
    """Lower-cased stop words for `language` (empty for a language no list covers)."""
    language = normalize_language(language) or "en"
    try:
        import stopwordsiso
    except Exception:
        log.warning("stopwordsiso is unavailable; using a small built-in English stop word list")
        return _FALLBACK_EN if language == "en" else frozenset()
    if not stopwordsiso.has_lang(language):
        return frozenset()
    return frozenset(word.lower() for word in stopwordsiso.stopwords(language))


def needs_bigrams(text: str) -> bool:
    """Whether `text` has a script written without spaces (then `tokenize` makes character bigrams)."""
    return _NO_SPACE_SCRIPT.search(text) is not None


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; character bigrams for scripts without spaces."""
    words = _WORD.findall(text.lower())
    if not _NO_SPACE_SCRIPT.search(text):
        return words
    tokens: list[str] = []
    for word in words:
        if _NO_SPACE_SCRIPT.match(word) and len(word) > 1:
            tokens.extend(word[i:i + 2] for i in range(len(word) - 1))
        else:
            tokens.append(word)
    return tokens


def detect_language(text: str, default: str = "en") -> str:
    """Best guess at the language of `text` from stop word coverage (a few thousand characters suffice)."""
    sample = text[:4000]
    if _NO_SPACE_SCRIPT.search(sample):
        if re.search(r"[\u3040-\u30ff]", sample):
            return "ja"
        if re.search(r"[\uac00-\ud7af]", sample):
            return "ko"
        if re.search(r"[\u0e00-\u0e7f]", sample):
            return "th"
        return "zh"
    counts = Counter(_WORD.findall(sample.lower()))
    if not counts:
        return default
    best, best_hits = default, 0
    for language in _GUESSABLE:
        # Only the most frequent words of a list matter for a guess; whole lists overlap a lot.
        words = stop_words(language)
        hits = sum(n for word, n in counts.items() if word in words)
        if hits > best_hits:
            best, best_hits = language, hits
    return best


class Language:
    """The language of one text: its code, stop words and a tokenizer."""

    __slots__ = ("code", "stops")

    def __init__(self, code: str) -> None:
        self.code = code
        self.stops = stop_words(code)

    @classmethod
    def for_text(cls, text: str, declared: str | None = None) -> Language:
        return cls(normalize_language(declared) or detect_language(text))
