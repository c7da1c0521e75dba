"""Score article-body extractors on the Zyte article-extraction benchmark (181 real pages).

Run: /work/venv/bin/python benchmarks/extraction.py [--only NAME ...]

Metric, as that benchmark defines it (README.rst, evaluate.py): texts are tokenised with `\\w+`, turned into
4-gram shingles (with counts); per page TP/FP/FN are the shingle-count overlaps, normalised by their sum so long
pages do not weigh more; precision and recall are averaged over pages (a page counts for precision when the
extractor returned shingles or missed some, for recall when the truth has shingles); F1 = 2PR/(P+R).
The ± is 1.96 × the bootstrap standard deviation (1,000 resamples, fixed seed). This is our own implementation of
that definition. ms/page is the mean wall time of one extraction (decoding included).
The last line is `RESULT ...`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "extraction" / (
    "zyte-article-extraction-benchmark")
_TOKEN = re.compile(r"\w+", re.UNICODE)

Counts = tuple[float, float, float]


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    grams = [tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))]
    return Counter(g for g in grams if g)


def page_counts(truth: str, pred: str) -> Counts:
    t, p = shingles(truth), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def scores(counts: list[Counts]) -> tuple[float, float, float]:
    p = statistics.mean([_precision(*c) for c in counts if c[0] + c[1] > 0] or [0.0])
    r = statistics.mean([_recall(*c) for c in counts if c[0] + c[2] > 0] or [0.0])
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bootstrap(counts: list[Counts], rounds: int = 1000) -> tuple[float, float, float]:
    rng = random.Random(0)
    samples = [scores([counts[rng.randrange(len(counts))] for _ in counts]) for _ in range(rounds)]
    return tuple(1.96 * statistics.stdev(s[i] for s in samples) for i in range(3))  # type: ignore[return-value]


def candidates() -> dict[str, Callable[[str, str], str]]:
    from bot.feeds.extract import extract_article

    found: dict[str, Callable[[str, str], str]] = {}

    def newsdesk(html: str, url: str) -> str:
        article = extract_article(html, url)
        return article.text if article else ""

    found["newsdesk extract_article"] = newsdesk
    try:
        import trafilatura

        found[f"trafilatura {trafilatura.__version__} (defaults)"] = (
            lambda html, url: trafilatura.extract(html, url=url) or "")
    except ImportError:
        pass
    try:
        from importlib.metadata import version

        import lxml.html
        from readability import Document

        def readability(html: str, url: str) -> str:
            summary = Document(html, url=url).summary(html_partial=True)
            return lxml.html.fromstring(summary).text_content() if summary.strip() else ""

        found[f"readability-lxml {version('readability-lxml')}"] = readability
    except ImportError:
        pass
    try:
        import newspaper

        def newspaper4k(html: str, url: str) -> str:
            article = newspaper.Article(url or "http://example.com/", fetch_images=False)
            article.download(input_html=html)
            article.parse()
            return article.text or ""

        found[f"newspaper4k {newspaper.__version__}"] = newspaper4k
    except ImportError:
        pass
    try:
        from goose3 import Goose

        goose = Goose({"enable_image_fetching": False, "http_timeout": 1})
        from importlib.metadata import version

        found[f"goose3 {version('goose3')}"] = lambda html, url: goose.extract(raw_html=html, url=url).cleaned_text or ""
    except ImportError:
        pass
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="substrings of candidate names to run")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no benchmark data at {DATA} (set NEWSDESK_SHARED_DATA)")
        return 2
    from bot.feeds.extract import decode_html

    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {}
    for key, value in truth.items():
        raw = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes())
        pages[key] = (raw, value.get("url") or "")
    print(f"{len(pages)} pages from {DATA}")
    print("| extractor | F1 | precision | recall | ms/page | failures |")
    print("|---|---|---|---|---|---|")
    chosen = {name: fn for name, fn in candidates().items()
              if not args.only or any(o in name for o in args.only)}
    counts: dict[str, list[Counts]] = {name: [] for name in chosen}
    spent = dict.fromkeys(chosen, 0.0)
    failures = dict.fromkeys(chosen, 0)
    # Candidates run side by side, page by page, so the shared machine's noise hits them all alike.
    for key, (raw, url) in pages.items():
        for name, fn in chosen.items():
            start = time.perf_counter()
            try:
                text = fn(decode_html(raw), url)
            except Exception:
                text = ""
                failures[name] += 1
            spent[name] += time.perf_counter() - start
            counts[name].append(page_counts(truth[key].get("articleBody", ""), text))
    results = []
    for name in chosen:
        p, r, f1 = scores(counts[name])
        dp, dr, df = bootstrap(counts[name])
        ms = spent[name] / len(pages) * 1000
        results.append((name, f1, ms))
        print(f"| {name} | {f1:.3f} ± {df:.3f} | {p:.3f} ± {dp:.3f} | {r:.3f} ± {dr:.3f} | {ms:.1f} | "
              f"{failures[name]} |")
    best = max(results, key=lambda r: r[1])
    print("RESULT " + " ".join(f"{n.split()[0]}_f1={f:.3f} {n.split()[0]}_ms={m:.1f}" for n, f, m in results)
          + f" best={best[0].split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
