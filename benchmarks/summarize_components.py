"""How the summarizer's parts were chosen: sentence splitters, keyword extraction, stop word lists.

    NEWSDESK_SHARED_DATA=../shared/data python benchmarks/summarize_components.py

Splitters are scored on hand-written news cases (datelines, abbreviations, initials, quotes, numbers,
German/French/Spanish/Japanese) and timed on 300 CNN/DailyMail articles; candidates that are not installed
are reported as such. Needs the `bench` extra plus whichever candidates you want compared
(pysbd, syntok, blingfire, yake, stop-words).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.summarize import load_pairs
from bot.summarize.extractive import extract_keywords
from bot.summarize.language import stop_words
from bot.summarize.segment import Segmenter

CASES: list[tuple[str, str, int]] = [
    ("en", 'The U.S. Senate voted 52-48 on Tuesday. Sen. John Smith, R-Texas, said it was "a great day." '
           "Officials expect more.", 3),
    ("en", "Prices rose 3.2% in May. Analysts at J.P. Morgan Chase & Co. were surprised.", 2),
    ("en", '"Is this real?" she asked. "Yes," he said. The end.', 3),
    ("en", 'He said: "We will win. We always win." Then he left.', 2),
    ("en", "He was born in 2014. The U.S. economy grew. It was the U.K. that shrank.", 3),
    ("en", "Dr. Jane Doe, 45, arrived at 10:30. Mr. Brown left.", 2),
    ("en", "Visit www.example.com for more. Email john.doe@example.com today.", 2),
    ("de", "Die Regierung hat am 3. Mai entschieden. Dr. Müller sagte, es sei z.B. ein Erfolg. Das ist gut.", 3),
    ("fr", "Le président a parlé à 20 h. M. Dupont n'était pas d'accord. C'est fini.", 3),
    ("es", "El Sr. García llegó tarde. ¿Por qué? Nadie lo sabe.", 3),
    ("ja", "これはペンです。あれは本です。", 2),
    ("hi", "यह पहला वाक्य है। यह दूसरा वाक्य है।", 2),
    ("ar", "هذه جملة أولى. هل هذه جملة ثانية؟ نعم.", 3),
    ("ru", "Это первое предложение. Это второе, т. е. последнее.", 2),
]


def candidates() -> dict[str, Callable[[str, str], list[str]] | str]:
    found: dict[str, Callable[[str, str], list[str]] | str] = {}
    ours, regex = Segmenter(), Segmenter("regex")
    found["ours: sentencex + repair"] = ours.split
    found["ours: regex fallback"] = regex.split
    try:
        import sentencex

        found["sentencex alone"] = lambda t, lang: [s.strip() for s in sentencex.segment(lang, t) if s.strip()]
    except ImportError:
        found["sentencex alone"] = "not installed"
    try:
        import pysbd

        def run_pysbd(text: str, lang: str) -> list[str]:
            try:
                segmenter = pysbd.Segmenter(language=lang, clean=False)
            except ValueError:
                segmenter = pysbd.Segmenter(language="en", clean=False)
            return [s.strip() for s in segmenter.segment(text) if s.strip()]

        found["pysbd"] = run_pysbd
    except ImportError:
        found["pysbd"] = "not installed"
    try:
        import syntok.segmenter as syntok

        found["syntok"] = lambda t, lang: ["".join(tok.spacing + tok.value for tok in s).strip()
                                           for para in syntok.analyze(t) for s in para]
    except ImportError:
        found["syntok"] = "not installed"
    try:
        import blingfire

        found["blingfire"] = lambda t, lang: [s for s in blingfire.text_to_sentences(t).split("\n") if s.strip()]
    except ImportError:
        found["blingfire"] = "not installed"
    return found


def main() -> None:
    articles = [p["article"] for p in load_pairs(300)]
    print("| splitter | news cases right | ms per article |\n|---|---|---|")
    for name, split in candidates().items():
        if isinstance(split, str):
            print(f"| {name} | {split} | |")
            continue
        right = sum(len(split(text, lang)) == n for lang, text, n in CASES)
        start = time.perf_counter()
        for article in articles:
            split(article, "en")
        ms = (time.perf_counter() - start) * 1000 / len(articles)
        print(f"| {name} | {right}/{len(CASES)} | {ms:.2f} |")

    stops = stop_words("en")
    sentence_lists = [Segmenter().split(a, "en") for a in articles[:100]]
    start = time.perf_counter()
    for sentences in sentence_lists:
        extract_keywords(sentences[:30], stops)
    ours_ms = (time.perf_counter() - start) * 1000 / len(sentence_lists)
    print(f"\nkeywords: ours {ours_ms:.2f} ms per article", end="")
    try:
        import yake

        extractor = yake.KeywordExtractor(lan="en", n=2, top=8)
        start = time.perf_counter()
        for article in articles[:30]:
            extractor.extract_keywords(article)
        print(f"; yake {(time.perf_counter() - start) * 1000 / 30:.2f} ms per article")
    except ImportError:
        print("; yake not installed")

    try:
        import stopwordsiso

        iso = len(stopwordsiso.langs())
    except ImportError:
        iso = 0
    try:
        import stop_words as sw

        other = len(sw.AVAILABLE_LANGUAGES)
    except ImportError:
        other = 0
    print(f"stop word lists: stopwordsiso {iso} languages; stop-words {other} languages")


if __name__ == "__main__":
    main()
