"""The extractive summarizer: clean -> segment -> rank -> render, plus keywords and "reduced by".

Synchronous and CPU-bound by design; `SummaryService` runs it in a worker thread. Bounded work on any input:
only the first `max_chars` are cleaned and the first `segment_chars` of that segmented (the lead of an
article is where its summary is), ranking looks at the first `max_candidates` sentences, and every step is
linear in the text considered. A megabyte of text takes a few tens of milliseconds.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.summarize.clean import (
    InputError,
    clean_text,
    html_headline,
    is_boilerplate_sentence,
    looks_like_html,
    strip_dateline,
)
from bot.summarize.language import Language
from bot.summarize.rank import ExtractiveRanker
from bot.summarize.result import SummaryOptions, SummaryResult, render
from bot.summarize.segment import Segmenter

__all__ = ["ExtractiveSummarizer", "extract_keywords", "reduction"]

_KEYWORD_TOKEN = re.compile(r"[^\W\d_][\w'’]*")
_PHRASE = re.compile(r"\b[A-ZÀ-ÖØ-ÞА-Я][\w'’-]+(?:[ ][A-ZÀ-ÖØ-ÞА-Я][\w'’-]+){1,3}")
MIN_SENTENCE_CHARS = 3
# A whole line without a sentence end and at most this many words is a headline, kicker or subhead.
HEADLINE_WORDS = 25
_SENTENCE_END = re.compile(r"[.!?…。！？:;][\"'”’»)\]]*$")
MAX_SENTENCE_CHARS = 1200
CHUNK_WORDS = 60
KEYWORD_SENTENCES = 30


def _base(word: str) -> str:
    """"Yemen's" -> "Yemen": the possessive is the same keyword."""
    return word[:-2] if word.endswith(("'s", "’s")) else word


def extract_keywords(sentences: list[str], stops: frozenset[str], top: int = 8) -> list[str]:
    """Top capitalised phrases and content words by frequency, the lead counting double (µs per sentence).

    YAKE took 17-60 ms an article here (BENCHMARKS.md), several times the whole summary budget.
    """
    body = " ".join(sentences[:KEYWORD_SENTENCES])
    lead = " ".join(sentences[:5])
    # Counting the lead twice favours what the article is about over what it mentions in passing.
    forms = Counter(map(_base, _KEYWORD_TOKEN.findall(body))) + Counter(map(_base, _KEYWORD_TOKEN.findall(lead)))
    raw_phrases = Counter(_PHRASE.findall(body)) + Counter(_PHRASE.findall(lead))
    phrases: Counter[str] = Counter()
    for phrase, count in raw_phrases.items():
        words = [_base(w) for w in phrase.split()]
        while words and words[0].lower() in stops:  # "The Ethics" -> "Ethics"
            words.pop(0)
        if len(words) >= 2:
            phrases[" ".join(words)] += count
            for word in words:  # "San Jose Clash" counts once, not also as "San", "Jose"
                forms[word] -= count
    scores: dict[str, float] = {}
    surface: dict[str, tuple[int, str]] = {}
    candidates = [(f, c) for f, c in forms.items() if c > 0 and len(f) > 2 and f.lower() not in stops]
    for form, count in [*candidates, *phrases.items()]:
        key = form.lower()
        # Entities (capitalised, multi-word) say more than common nouns of the same frequency.
        bonus = 1.5 if " " in form else 1.2 if form[0].isupper() else 1.0
        scores[key] = scores.get(key, 0.0) + count * bonus
        if count > surface.get(key, (0, ""))[0]:
            surface[key] = (count, form)
    chosen: list[str] = []
    for key in sorted(scores, key=scores.__getitem__, reverse=True):
        if len(chosen) >= top:
            break
        if any(key in c.lower().split() or c.lower() in key.split() for c in chosen):
            continue
        chosen.append(surface[key][1])
    return chosen


def reduction(summary_chars: int, original_chars: int) -> float:
    """How much shorter the summary is than the original, 0-1, in characters."""
    if original_chars <= 0:
        return 0.0
    return round(max(0.0, min(1.0, 1.0 - summary_chars / original_chars)), 4)


def _chunks(sentence: str) -> list[str]:
    """A run-on "sentence" (text without punctuation) cut at spaces into pieces a reader can take in."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for word in sentence.split():
        for start in range(0, len(word), MAX_SENTENCE_CHARS):  # a "word" of 100k letters is cut too
            part = word[start:start + MAX_SENTENCE_CHARS]
            if current and (len(current) >= CHUNK_WORDS or size + len(part) > MAX_SENTENCE_CHARS):
                pieces.append(" ".join(current))
                current, size = [], 0
            current.append(part)
            size += len(part) + 1
    if current:
        pieces.append(" ".join(current))
    return pieces


def _window(text: str, limit: int) -> str:
    """The first `limit` characters, ending at a paragraph or sentence end so no fragment is ranked."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    end = head.rfind("\n")
    if end < limit // 2:
        end = max(head.rfind(". "), head.rfind("? "), head.rfind("! ")) + 1
    return head[:end] if end > 0 else head


class ExtractiveSummarizer:
    """`summarize(text, options, language=None, title=None) -> SummaryResult`, never inventing text."""

    def __init__(
        self,
        segmenter: Segmenter | None = None,
        ranker: ExtractiveRanker | None = None,
        *,
        max_chars: int = 200_000,
        segment_chars: int = 50_000,
    ) -> None:
        self.segmenter = segmenter or Segmenter()
        self.ranker = ranker or ExtractiveRanker()
        self.max_chars = max_chars
        self.segment_chars = segment_chars

    def prepare(
        self, text: str, language: str | None = None, title: str | None = None
    ) -> tuple[list[str], Language, int]:
        """Clean and segment: (sentences kept for ranking, language, length of the cleaned text).

        Headlines (the `title`, a page's <title>/<h1>, or any short line without a sentence end), bylines and
        datelines are not sentences of the article and are left out, so no summary can show them.
        """
        if "\x00" in text[:65536]:
            raise InputError("the input looks like binary data (it contains NUL bytes), not text")
        head = _window(text, self.max_chars * 2)
        headlines = {_key(title)} if title else set()
        if looks_like_html(head):
            headlines.update(_key(h) for h in html_headline(head))
        cleaned = clean_text(head)
        # Length in characters: language-neutral (Chinese has no spaces to count words by).
        total_chars = len(cleaned) + max(0, len(text) - self.max_chars * 2)
        lang = Language.for_text(cleaned, language)
        body = _without_headlines(_window(cleaned, self.segment_chars), headlines)
        sentences = [
            piece
            for s in self.segmenter.split(body, lang.code)
            if len(s) >= MIN_SENTENCE_CHARS and any(ch.isalnum() for ch in s) and not is_boilerplate_sentence(s)
            for piece in _chunks(s)
        ]
        # A dateline opens the first paragraph of the body, which is not the start of the text when a
        # headline or byline came first.
        sentences[:3] = [strip_dateline(s) for s in sentences[:3]]
        return sentences, lang, total_chars

    def summarize(
        self,
        text: str,
        options: SummaryOptions | None = None,
        *,
        language: str | None = None,
        title: str | None = None,
    ) -> SummaryResult:
        options = options or SummaryOptions()
        sentences, lang, total_chars = self.prepare(text, language, title)
        if not sentences:
            raise InputError("there is no text to summarize")
        ranked = self.ranker.rank(
            sentences, lang.stops, max_sentences=options.max_sentences, max_words=options.words, title=title,
            language=lang.code,
        )
        chosen = [sentences[i] for i in ranked.chosen]
        reduced_by = reduction(sum(len(s) for s in chosen) + len(chosen) - 1, total_chars)
        return SummaryResult(
            summary=render(chosen, options.style),
            sentences=chosen,
            reduced_by=reduced_by,
            keywords=extract_keywords(sentences[: self.ranker.max_candidates], lang.stops),
            method="extractive",
            style=options.style,
            language=lang.code,
        )


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _without_headlines(text: str, headlines: set[str]) -> str:
    """The text with hard-wrapped lines re-joined and without lines that are a headline: the known ones,
    or a short line with no sentence end (kicker, subhead). The second rule applies only when the text does
    end its sentences, so unpunctuated text keeps its lines."""
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        # A line cut mid-sentence (pasted e-mail, fixed-width text) continues in lower case on the next one.
        if lines and lines[-1] and line[:1].islower() and not _SENTENCE_END.search(lines[-1]):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    punctuated = sum(1 for line in lines if _SENTENCE_END.search(line))
    kept = [
        line
        for line in lines
        if not line
        or not (
            _key(line) in headlines
            or (punctuated >= 2 and not _SENTENCE_END.search(line) and len(line.split()) <= HEADLINE_WORDS)
        )
    ]
    result = "\n".join(kept)
    return result if result.strip() else text
