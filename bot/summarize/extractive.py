"""The extractive summarizer: clean -> segment -> rank -> render, plus keywords and "reduced by".

Synchronous and CPU-bound by design; `SummaryService` runs it in a worker thread. Bounded work on any input:
text beyond `max_chars` is not segmented (the lead of an article is where its summary is), ranking looks at
the first `max_candidates` sentences, and every step is linear in the text considered.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.summarize.clean import InputError, clean_text, is_boilerplate_sentence
from bot.summarize.language import Language
from bot.summarize.rank import ExtractiveRanker
from bot.summarize.result import SummaryOptions, SummaryResult, render
from bot.summarize.segment import Segmenter

__all__ = ["ExtractiveSummarizer", "extract_keywords"]

_WORDS = re.compile(r"\S+")
_KEYWORD_TOKEN = re.compile(r"[^\W\d_][\w'’]*")
_PHRASE = re.compile(r"\b[A-ZÀ-ÖØ-ÞА-Я][\w'’-]+(?:[ ][A-ZÀ-ÖØ-ÞА-Я][\w'’-]+){1,3}")
MIN_SENTENCE_CHARS = 3
KEYWORD_SENTENCES = 30


def extract_keywords(sentences: list[str], stops: frozenset[str], top: int = 8) -> list[str]:
    """Top capitalised phrases and content words by frequency, the lead counting double (µs per sentence).

    YAKE was measured at ~30 ms an article here (BENCHMARKS.md), ten times the whole summary budget.
    """
    body = " ".join(sentences[:KEYWORD_SENTENCES])
    lead = " ".join(sentences[:5])
    # Counting the lead twice favours what the article is about over what it mentions in passing.
    forms = Counter(_KEYWORD_TOKEN.findall(body)) + Counter(_KEYWORD_TOKEN.findall(lead))
    phrases = Counter(_PHRASE.findall(body)) + Counter(_PHRASE.findall(lead))
    for phrase, count in phrases.items():  # "San Jose Clash" counts once, not also as "San", "Jose"
        for word in phrase.split():
            forms[word] -= count
    scores: Counter[str] = Counter()
    surface: dict[str, tuple[float, str]] = {}
    candidates = [(f, c) for f, c in forms.items() if c > 0 and len(f) > 2 and f.lower() not in stops]
    for form, count in [*candidates, *phrases.items()]:
        key = form.lower()
        # Entities (capitalised, multi-word) say more than common nouns of the same frequency.
        bonus = 1.5 if " " in form else 1.2 if form[0].isupper() else 1.0
        scores[key] += count * bonus
        if count > surface.get(key, (0, ""))[0]:
            surface[key] = (count, form)
    chosen: list[str] = []
    for key, _ in scores.most_common():
        if len(chosen) >= top:
            break
        if any(key in c.lower().split() or c.lower() in key.split() for c in chosen):
            continue
        chosen.append(surface[key][1])
    return chosen


class ExtractiveSummarizer:
    """`summarize(text, options, language=None, title=None) -> SummaryResult`, never inventing text."""

    def __init__(
        self,
        segmenter: Segmenter | None = None,
        ranker: ExtractiveRanker | None = None,
        *,
        max_chars: int = 200_000,
    ) -> None:
        self.segmenter = segmenter or Segmenter()
        self.ranker = ranker or ExtractiveRanker()
        self.max_chars = max_chars

    def prepare(self, text: str, language: str | None = None) -> tuple[list[str], Language, int]:
        """Clean and segment: (sentences kept for ranking, language, word count of the cleaned text)."""
        if "\x00" in text[:65536]:
            raise InputError("the input looks like binary data (it contains NUL bytes), not text")
        cleaned = clean_text(text[: self.max_chars * 2])
        total_words = len(_WORDS.findall(cleaned))
        lang = Language.for_text(cleaned, language)
        sentences = [
            s for s in self.segmenter.split(cleaned[: self.max_chars], lang.code)
            if len(s) >= MIN_SENTENCE_CHARS and any(ch.isalnum() for ch in s) and not is_boilerplate_sentence(s)
        ]
        return sentences, lang, total_words

    def summarize(
        self,
        text: str,
        options: SummaryOptions | None = None,
        *,
        language: str | None = None,
        title: str | None = None,
    ) -> SummaryResult:
        options = options or SummaryOptions()
        sentences, lang, total_words = self.prepare(text, language)
        if not sentences:
            raise InputError("there is no text to summarize")
        ranked = self.ranker.rank(
            sentences, lang.stops, max_sentences=options.max_sentences, max_words=options.words, title=title
        )
        chosen = [sentences[i] for i in ranked.chosen]
        summary_words = sum(len(s.split()) for s in chosen)
        reduced_by = max(0.0, min(1.0, 1.0 - summary_words / total_words)) if total_words else 0.0
        return SummaryResult(
            summary=render(chosen, options.style),
            sentences=chosen,
            reduced_by=round(reduced_by, 4),
            keywords=extract_keywords(sentences[: self.ranker.max_candidates], lang.stops),
            method="extractive",
            style=options.style,
            language=lang.code,
        )
