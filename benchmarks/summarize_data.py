"""News summarization data beyond the shared sample: where it comes from, how to rebuild it, how to load it.

    python benchmarks/summarize_data.py --mirrors DIR --out DIR

`--mirrors` is a folder of bare git clones named `owner+name/repo` (what the session's GitHub mirror gives;
`git clone --bare https://github.com/owner/name DIR/owner+name/repo` makes the same). Every file is read at
the commit pinned in `SOURCES`, so the sets are the same for everyone. Each set is written as
`<name>.jsonl`, one object a line: `id`, `article` (raw text), `reference` (one summary sentence a line),
the shape of the shared `summarization/cnndm_validation_1000.jsonl`. Nothing here is committed to the project.

Sets, and what they are used for (benchmarks/tune_summarize.py fits `one`/`many` on cnndm_train and xsum_train;
benchmarks/tune_sets.py fits the set chooser on the CNN/DM-style `train` sets):

| set | pairs | source | role |
|---|---|---|---|
| cnndm_train | 208 | CNN/DM 3.0.0 train: Kaggle sample (EileenFeng) + first 200 (DesixMimi), de-duplicated | train |
| xsum_train | 1,432 | XSum test, two public samples (DavidFanzz, dangnguyen271), de-duplicated | train |
| cnndm_poc | 1,232 | CNN/DM test (97% CNN) of ucfnlp/points-of-correspondence: article + highlights per page | train (sets) |
| cnndm_summeval | 100 | CNN/DM test (87% Daily Mail) of SummEval, as neulab/BARTScore ships it (tokenized) | train (sets) |
| cnndm_realsumm | 98 | CNN/DM test (Daily Mail) of REALSumm, as neulab/BARTScore ships it (tokenized, lower case) | train (sets) |
| cnndm_test_frank | 250 | CNN/DM test articles of the FRANK benchmark (artidoro/frank), its reference | report |
| xsum_test_frank | 250 | XSum test articles of FRANK (30 also in the XSum samples: dropped from xsum_train) | report |
| newsroom_bartscore | 60 | Newsroom test pages and references as neulab/BARTScore ships them (one-sentence style) | report |

"train (sets)": fit only by the set chooser (`tune_sets.py`), which cross-validates by leaving
each CNN/DM-style set out in turn (FRANK's included). The shared CNN/DM validation sample is report-only:
no weight is fit on it. An article found in two sets is kept only in the first (report sets come first).
BARTScore's `data.pkl` files are read with an unpickler that refuses every class (plain dicts, lists and
strings only), so no code in them can run.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import json
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Pair = dict[str, str]

FRANK_COMMIT = "5860706bda0641136d10d27ead52c5f6ae79630e"
SOURCES = {
    "kaggle_cnndm": ("EileenFeng/Text-Summarization-NLP", "895f9688ab036cc3c06fb460b2251b6c6186ed8b",
                     "data/train_sample.zip"),
    "desix_cnndm": ("DesixMimi/Text-Summarization", "37f3642b4144290e54f652136b31e1782a7002e4",
                    "data/cnn_dailymail.csv"),
    "llm_xsum": ("DavidFanzz/llm_decoding", "bdb025d9bdb2e9b20e18edaa5dc5b0db9e3ee046", "data/xsum/test.jsonl"),
    "dang_xsum": ("dangnguyen271/NLP_FinalProject", "d263acf8bb6a6878350d93acc54688dcce98eba6", "data/xsum.csv"),
    "frank": ("artidoro/frank", FRANK_COMMIT, "data/articles-wbertscore-json"),
    "poc": ("ucfnlp/points-of-correspondence", "aafc4bebf8fe753cb603c4dc9c75bc64c3c430b1", "PoC_visualizations"),
    "bartscore": ("neulab/BARTScore", "248f511cb34ae3753fc81f7d7a945de5bfe33458", "SUM"),
}
ROLES = {"cnndm_train": "train", "xsum_train": "train", "cnndm_poc": "train", "cnndm_summeval": "train",
         "cnndm_realsumm": "train", "cnndm_test_frank": "report", "xsum_test_frank": "report",
         "newsroom_bartscore": "report"}
# XSum references are one sentence; the CNN/DM ones are 3-4 highlights. How many sentences each style asks for.
SENTENCES = {"cnndm": 3, "xsum": 1}

csv.field_size_limit(1 << 30)


def style(name: str) -> str:
    """"cnndm" or "xsum": the kind of summary a set's references are (Newsroom's are one sentence too)."""
    return "xsum" if "xsum" in name or "newsroom" in name else "cnndm"


def _git(mirrors: Path, key: str, path: str | None = None) -> bytes:
    repo, commit, default = SOURCES[key]
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), "show", f"{commit}:{path or default}"],
        check=True, capture_output=True,
    ).stdout


def _git_ls(mirrors: Path, key: str) -> list[str]:
    repo, commit, folder = SOURCES[key]
    git_dir = mirrors / repo.replace("/", "+") / "repo"
    out = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "--name-only", f"{commit}:{folder}"],
                         check=True, capture_output=True, text=True).stdout
    return [f"{folder}/{name}" for name in out.split()]


def _key(article: str) -> str:
    """Duplicates differ in spacing ("By . AP" vs "By. AP"): compare letters only."""
    return re.sub(r"\W+", "", article[:300]).lower()


# DesixMimi's copy dropped the space before every " ." of the raw text, which turns the Daily Mail stamp
# "By . Name . PUBLISHED: . 14:11 EST, 25 October 2013 . | . UPDATED: . …" into sentences ("By.",
# "Associated Press."). The stamp is put back as the raw dataset has it, so the cleaner sees what it would.
_DESIX_STAMP = re.compile(r"^By\.\s.{0,200}?(?:UPDATED:\.\s*\d{1,2}:\d{2}[^.]{0,40}?\d{4}\.|(?=[A-Z][a-z]+\s+[a-z]))",
                          re.DOTALL)


def _desix_repair(text: str) -> str:
    match = _DESIX_STAMP.match(text)
    if match is None:
        return text
    return re.sub(r"(?<=\S)\.(?=\s|$)", " .", match.group(0)) + text[match.end():]


def _cnndm_train(mirrors: Path) -> Iterator[Pair]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_git(mirrors, "kaggle_cnndm"))) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        yield {"id": row["id"], "article": row["article"], "reference": row["highlights"]}
    for k, row in enumerate(csv.DictReader(io.StringIO(_git(mirrors, "desix_cnndm").decode("utf-8")))):
        yield {"id": f"desix-{k}", "article": _desix_repair(row["text"]), "reference": row["y"]}


def _xsum_train(mirrors: Path) -> Iterator[Pair]:
    for line in _git(mirrors, "llm_xsum").decode("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            yield {"id": str(row["id"]), "article": row["document"], "reference": row["summary"]}
    for row in csv.DictReader(io.StringIO(_git(mirrors, "dang_xsum").decode("utf-8"))):
        yield {"id": row["id"], "article": row["article"], "reference": row["highlights"]}


# FRANK's XSum articles have their paragraphs glued together ("the community.Dr Venter"): a break goes back
# where a sentence end runs straight into a capital. "U.S." is left alone (a capital before the stop).
_GLUED = re.compile(r"(?<=[a-z0-9)][.!?])(?=[A-Z\"“])|(?<=[a-z0-9][.!?][\"”’])(?=[A-Z])")


def _frank(mirrors: Path, want: str) -> Iterator[Pair]:
    for path in _git_ls(mirrors, "frank"):
        row = json.loads(_git(mirrors, "frank", path))
        if "Gold" in row:  # XSum entries: BBC ids, the reference under "Gold"
            if want == "xsum":
                article = _GLUED.sub("\n", row["article"])
                yield {"id": path.rsplit("/", 1)[-1][:-5], "article": article, "reference": row["Gold"]}
        elif want == "cnndm":
            references = [v for k, v in sorted(row.items()) if k.endswith("_reference") and v]
            if not references:
                continue
            reference = "\n".join(s.strip() for s in references[0].split(" . ") if s.strip())  # one a line
            yield {"id": row.get("hash") or row["id"], "article": row["article"], "reference": reference}


class _PlainUnpickler(pickle.Unpickler):
    """Loads only built-in containers and scalars: any class or function reference is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused {module}.{name}: only plain data is read")


def _lines(text: str) -> str:
    """Tokenized references ("He won . She lost .") as one sentence a line."""
    return "\n".join(s.strip() for s in text.split(" . ") if s.strip())


def _bartscore(mirrors: Path, name: str) -> Iterator[Pair]:
    data = _PlainUnpickler(io.BytesIO(_git(mirrors, "bartscore", f"SUM/{name}/data.pkl"))).load()
    for key, row in data.items():
        yield {"id": str(key), "article": row["src"], "reference": _lines(row["ref_summ"])}


_TAG = re.compile(r"<[^>]+>")


def _page_text(fragment: str, separator: str) -> list[str]:
    text = html.unescape(_TAG.sub("", re.sub(separator, "\n", fragment)))
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _poc(mirrors: Path) -> Iterator[Pair]:
    """Each page shows one CNN/DM test article (a sentence a <p>) and its highlights (split by <br>); an
    article appears on several pages (one per fused summary sentence)."""
    for path in _git_ls(mirrors, "poc"):
        page = _git(mirrors, "poc", path).decode("utf-8")
        if ">Summary</h1>" not in page:
            continue
        summary, _, article = page.split(">Summary</h1>", 1)[1].partition(">Article</h1>")
        summary = summary.rsplit("<h1", 1)[0]
        sentences = _page_text("".join(re.findall(r"<p[^>]*>.*?</p>", article, re.DOTALL)), r"</p>")
        highlights = _page_text(summary, r"<br\s*/?>")
        if sentences and highlights:
            yield {"id": path.rsplit("/", 1)[-1].split("_")[0], "article": "\n".join(sentences),
                   "reference": "\n".join(highlights)}


def build(mirrors: Path) -> dict[str, list[Pair]]:
    sets: dict[str, list[Pair]] = {}
    seen: set[str] = set()
    # Report sets first: an article in both a report and a train source is dropped from training.
    for name, rows in (
        ("cnndm_test_frank", _frank(mirrors, "cnndm")),
        ("xsum_test_frank", _frank(mirrors, "xsum")),
        ("newsroom_bartscore", _bartscore(mirrors, "Newsroom")),
        ("cnndm_train", _cnndm_train(mirrors)),
        ("xsum_train", _xsum_train(mirrors)),
        ("cnndm_summeval", _bartscore(mirrors, "SummEval")),
        ("cnndm_realsumm", _bartscore(mirrors, "REALSumm")),
        ("cnndm_poc", _poc(mirrors)),
    ):
        kept = []
        for row in rows:
            key = _key(row["article"])
            if key in seen or not row["article"].strip() or not row["reference"].strip():
                continue  # the same article twice
            seen.add(key)
            kept.append(row)
        sets[name] = kept
    return sets


def load(folder: Path, name: str) -> list[Pair]:
    with (folder / f"{name}.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def available(folder: Path | None) -> list[str]:
    """The fetched sets present in `folder`, in `ROLES` order."""
    if folder is None or not folder.is_dir():
        return []
    return [name for name in ROLES if (folder / f"{name}.jsonl").is_file()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True, help="folder of owner+name/repo bare clones")
    parser.add_argument("--out", type=Path, required=True, help="where to write the <set>.jsonl files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, rows in build(args.mirrors).items():
        with (args.out / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} pairs ({ROLES[name]})", file=sys.stderr)


if __name__ == "__main__":
    main()
