"""Score article-body extractors, and Newsdesk's extraction settings, on three public evaluation sets.

Run: python benchmarks/extraction.py [--sets zyte trafilatura readability] [--grid | --only NAME ...]
     [--trafilatura-eval DIR] [--readability-pages DIR]

Sets (each skipped with a reason when its data is absent):
- zyte: the Zyte article-extraction benchmark, 181 pages (NEWSDESK_SHARED_DATA/extraction/...).
- trafilatura: trafilatura's own evaluation set, 990 pages scored by snippets that must and must not appear
  (adbar/trafilatura @e90b0ef, `tests/`: evaldata.json, eval/, cache/); `--trafilatura-eval` is that tests/ folder.
  Its F1 is computed as its eval_common.py does: whitespace-normalised substring matches, counts summed over pages.
- readability: Mozilla Readability's test pages, 130 (mozilla/readability @ab4027a, `test/test-pages`): the text
  of expected.html, scored with the Zyte metric. Its truth is Readability.js's own output, reviewed by its
  maintainers, so it leans towards what Readability keeps.
`--grid` runs `extract_article` with each candidate `ExtractionSettings` (and plain `trafilatura.extract`)
instead of the other libraries, and scores each at minimum lengths 0, 25, 50 and 150 characters from the same
runs. Each row gives its F1 minus the set's best, with a 95% paired bootstrap interval (same resampled pages for
both): a setting "holds" on a set when that interval reaches 0.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DATA = Path(os.environ.get("NEWSDESK_SHARED_DATA", "../shared/data")) / "extraction" / (
    "zyte-article-extraction-benchmark")
MIN_LENGTHS = (0, 25, 50, 150)
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


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_counts(item: dict[str, Any], pred: str) -> tuple[int, int, int, int]:
    """trafilatura's eval_common.count_item: (tp, fp, fn, tn) of its 'with' and 'without' snippets."""
    text = _norm(pred)
    tp = sum(1 for w in item["with"] if _norm(w) in text)
    fp = sum(1 for w in item["without"] if _norm(w) in text)
    return tp, fp, len(item["with"]) - tp, len(item["without"]) - fp


def snippet_scores(counts: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    tp, fp, fn = (sum(c[i] for c in counts) for i in range(3))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * tp / (2 * tp + fp + fn) if tp else 0.0)


def bootstrap(counts: list[Counts], rounds: int = 1000) -> tuple[float, float, float]:
    rng = random.Random(0)
    samples = [scores([counts[rng.randrange(len(counts))] for _ in counts]) for _ in range(rounds)]
    return tuple(1.96 * statistics.stdev(s[i] for s in samples) for i in range(3))  # type: ignore[return-value]


@dataclass
class Page:
    raw: bytes
    url: str
    truth: str = ""  # body text (zyte, readability)
    snippets: dict[str, Any] = field(default_factory=dict)  # with/without (trafilatura)


def load_zyte() -> list[Page] | str:
    if not DATA.is_dir():
        return f"no data at {DATA} (set NEWSDESK_SHARED_DATA)"
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    return [Page(gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes()), value.get("url") or "",
                 truth=value.get("articleBody", "")) for key, value in truth.items()]


def load_trafilatura(folder: Path | None) -> list[Page] | str:
    if folder is None or not (folder / "evaldata.json").is_file():
        return "no --trafilatura-eval folder with evaldata.json (adbar/trafilatura tests/)"
    pages = []
    for url, item in sorted(json.loads((folder / "evaldata.json").read_text(encoding="utf-8")).items()):
        path = next((p for p in (folder / "cache" / item["file"], folder / "eval" / item["file"]) if p.is_file()), None)
        if path is not None:
            pages.append(Page(path.read_bytes(), url, snippets=item))
    return pages


def load_readability(folder: Path | None) -> list[Page] | str:
    if folder is None or not folder.is_dir():
        return "no --readability-pages folder (mozilla/readability test/test-pages)"
    import lxml.html

    pages = []
    for case in sorted(p for p in folder.iterdir() if (p / "expected.html").is_file()):
        expected = lxml.html.fromstring((case / "expected.html").read_bytes()).text_content()
        pages.append(Page((case / "source.html").read_bytes(), "http://fakehost/test/page.html", truth=expected))
    return pages


def libraries() -> dict[str, Callable[[str, str], str]]:
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


# Settings candidates for --grid: (name, settings). min_chars is 0 here; MIN_LENGTHS are applied afterwards.
def setting_candidates() -> dict[str, Callable[[str, str], str]]:
    import trafilatura

    from bot.feeds.extract import ExtractionSettings, extract_article

    grid = {
        "precision+meta (2026-11 choice)": ExtractionSettings(with_metadata=True, favor_precision=True, min_chars=0),
        "precision, no meta": ExtractionSettings(favor_precision=True, with_metadata=False, min_chars=0),
        "precision, fast, no meta": ExtractionSettings(favor_precision=True, with_metadata=False, fast=True,
                                                       min_chars=0),
        "balanced, no meta": ExtractionSettings(favor_precision=False, with_metadata=False, min_chars=0),
        "balanced, fast, no meta": ExtractionSettings(favor_precision=False, with_metadata=False, fast=True,
                                                      min_chars=0),
        "recall, no meta": ExtractionSettings(favor_precision=False, favor_recall=True, with_metadata=False,
                                              min_chars=0),
        "recall, fast, no meta": ExtractionSettings(favor_precision=False, favor_recall=True, with_metadata=False,
                                                    fast=True, min_chars=0),
    }
    found: dict[str, Callable[[str, str], str]] = {
        f"plain trafilatura {trafilatura.__version__} extract()": lambda html, url: trafilatura.extract(html, url=url) or ""}
    for name, settings in grid.items():
        def run(html: str, url: str, settings: Any = settings) -> str:
            article = extract_article(html, url, settings=settings)
            return article.text if article else ""
        found[name] = run
    return found


def page_results(kind: str, pages: list[Page], texts: list[str], min_chars: int) -> list[tuple[float, ...]]:
    """Per-page counts of one candidate: shingle (tp, fp, fn) shares, or snippet (tp, fp, fn, tn)."""
    kept = [t if len(t.strip()) >= min_chars else "" for t in texts]
    if kind == "snippets":
        return [snippet_counts(page.snippets, t) for page, t in zip(pages, kept, strict=True)]
    return [page_counts(page.truth, t) for page, t in zip(pages, kept, strict=True)]


def set_scores(kind: str, results: list[tuple[float, ...]]) -> tuple[float, float, float]:
    return snippet_scores(results) if kind == "snippets" else scores(results)  # type: ignore[arg-type]


def paired_interval(kind: str, a: list[tuple[float, ...]], b: list[tuple[float, ...]],
                    rounds: int = 300) -> tuple[float, float]:
    """95% bootstrap interval of F1(a) - F1(b) over the same resampled pages."""
    rng = random.Random(0)
    diffs = []
    for _ in range(rounds):
        pick = [rng.randrange(len(a)) for _ in a]
        diffs.append(set_scores(kind, [a[i] for i in pick])[2] - set_scores(kind, [b[i] for i in pick])[2])
    diffs.sort()
    return diffs[int(0.025 * rounds)], diffs[int(0.975 * rounds) - 1]


def print_elements(pages: list[Page]) -> None:
    """How many elements and characters real pages have, counted as `bounded_html` counts them."""
    from lxml import etree

    from bot.feeds.extract import decode_html

    class Counter:
        count = 0

        def start(self, tag: str, attrib: dict[str, str]) -> None:
            self.count += 1

        def end(self, tag: str) -> None: ...
        def data(self, data: str) -> None: ...
        def close(self) -> int:
            return self.count

    elements, chars = [], []
    for page in pages:
        html = decode_html(page.raw)
        target = Counter()
        parser = etree.HTMLParser(target=target, remove_comments=True, remove_pis=True)
        parser.feed(html)
        parser.close()
        elements.append(target.count)
        chars.append(len(html))
    for name, values in (("elements", sorted(elements)), ("characters", sorted(chars))):
        print(f"{name}: median {values[len(values) // 2]:,}, 99th percentile {values[int(len(values) * 0.99)]:,}, "
              f"largest {values[-1]:,}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=["zyte", "trafilatura", "readability"])
    parser.add_argument("--grid", action="store_true", help="compare Newsdesk's settings, not libraries")
    parser.add_argument("--only", nargs="*", help="substrings of candidate names to run")
    parser.add_argument("--elements", action="store_true", help="only count each page's elements (for the cap)")
    parser.add_argument("--trafilatura-eval", type=Path, help="adbar/trafilatura's tests/ folder")
    parser.add_argument("--readability-pages", type=Path, help="mozilla/readability's test/test-pages folder")
    args = parser.parse_args()
    from bot.feeds.extract import decode_html

    loaders = {"zyte": (load_zyte, "shingles"),
               "trafilatura": (lambda: load_trafilatura(args.trafilatura_eval), "snippets"),
               "readability": (lambda: load_readability(args.readability_pages), "shingles")}
    found = setting_candidates() if args.grid else libraries()
    chosen = {name: fn for name, fn in found.items() if not args.only or any(o in name for o in args.only)}
    summary = []
    for set_name in args.sets:
        loader, kind = loaders[set_name]
        pages = loader()
        if isinstance(pages, str):
            print(f"## {set_name}: skipped, {pages}")
            continue
        print(f"## {set_name}: {len(pages)} pages, metric {kind}")
        if args.elements:
            print_elements(pages)
            continue
        texts: dict[str, list[str]] = {name: [] for name in chosen}
        times: dict[str, list[float]] = {name: [] for name in chosen}
        failures = dict.fromkeys(chosen, 0)
        # Candidates run side by side, page by page, so the shared machine's noise hits them all alike.
        for page in pages:
            for name, fn in chosen.items():
                start = time.perf_counter()
                try:
                    text = fn(decode_html(page.raw), page.url)
                except Exception:
                    text = ""
                    failures[name] += 1
                times[name].append(time.perf_counter() - start)
                texts[name].append(text)
        lengths = MIN_LENGTHS if args.grid else (0,)
        results = {(name, m): page_results(kind, pages, texts[name], m) for name in chosen
                   for m in (lengths if not name.startswith("plain") else (0,))}
        f1s = {key: set_scores(kind, r)[2] for key, r in results.items()}
        best = max(f1s, key=lambda k: f1s[k])
        print("| candidate | min chars | F1 | precision | recall | F1 − best (95% paired bootstrap) | ms/page mean "
              "| median | failures |")
        print("|---|---|---|---|---|---|---|---|---|")
        for (name, min_chars), result in results.items():
            p, r, f1 = set_scores(kind, result)
            low, high = paired_interval(kind, result, results[best]) if (name, min_chars) != best else (0.0, 0.0)
            mean_ms = statistics.mean(times[name]) * 1000
            median_ms = statistics.median(times[name]) * 1000
            print(f"| {name} | {min_chars} | {f1:.3f} | {p:.3f} | {r:.3f} | {f1 - f1s[best]:+.3f} [{low:+.3f}, "
                  f"{high:+.3f}] | {mean_ms:.1f} | {median_ms:.1f} | {failures[name]} |")
            summary.append(f"{set_name}:{name.split(' (')[0].replace(' ', '_')}:{min_chars}:f1={f1:.3f}:ms={mean_ms:.1f}")
        sys.stdout.flush()
    print("RESULT " + " ".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
