"""News summarization data beyond the shared sample: where it comes from, how to rebuild it, how to load it.

    python benchmarks/summarize_data.py --mirrors DIR --out DIR

`--mirrors` is a folder of bare git clones named `owner+name/repo` (what the session's GitHub mirror gives;
`git clone --bare https://github.com/owner/name DIR/owner+name/repo` makes the same). Every file is read at
the commit pinned in `SOURCES`, so the sets are the same for everyone. Each set is written as
`<name>.jsonl`, one object a line: `id`, `article` (raw text), `reference` (one summary sentence a line),
the shape of the shared `summarization/cnndm_validation_1000.jsonl`. Nothing here is committed to the project.

Sets, and what they are used for (benchmarks/tune_summarize.py fits only on the `train` role):

| set | pairs | source | role |
|---|---|---|---|
| cnndm_train | 208 | CNN/DM 3.0.0 train: Kaggle sample (EileenFeng) + first 200 (DesixMimi), de-duplicated | train |
| xsum_train | 1,432 | XSum test, two public samples (DavidFanzz, dangnguyen271), de-duplicated | train |
| cnndm_test_frank | 250 | CNN/DM test articles of the FRANK benchmark (artidoro/frank), its reference | report |
| xsum_test_frank | 250 | XSum test articles of FRANK (30 also in the XSum samples: dropped from xsum_train) | report |

The shared CNN/DM validation sample is report-only too: no weight is fit on it.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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
}
ROLES = {"cnndm_train": "train", "xsum_train": "train", "cnndm_test_frank": "report", "xsum_test_frank": "report"}
# XSum references are one sentence; the CNN/DM ones are 3-4 highlights. How many sentences each style asks for.
SENTENCES = {"cnndm": 3, "xsum": 1}

csv.field_size_limit(1 << 30)


def style(name: str) -> str:
    """"cnndm" or "xsum": the kind of summary a set's references are."""
    return "xsum" if "xsum" in name else "cnndm"


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


def build(mirrors: Path) -> dict[str, list[Pair]]:
    sets: dict[str, list[Pair]] = {}
    seen: set[str] = set()
    # Report sets first: an article in both a report and a train source is dropped from training.
    for name, rows in (
        ("cnndm_test_frank", _frank(mirrors, "cnndm")),
        ("xsum_test_frank", _frank(mirrors, "xsum")),
        ("cnndm_train", _cnndm_train(mirrors)),
        ("xsum_train", _xsum_train(mirrors)),
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
