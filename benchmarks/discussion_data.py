"""Public threaded-discussion data with reference summaries, loaded as ThreadComments (for discussion_summary.py).

Two sources, neither committed to the project (fetch them, point the benchmark at them):

ConvoSumm (Fabbri et al., ACL 2021), test threads with one crowd-written summary each, as republished by
github.com/antangrocket1312/ArQuSumm @e96b6e13f9ec4ea0e01a75987b71a3a1ff97addf, `data/<domain>/raw_input.csv`
(copy them as `nyt.csv`, `reddit.csv`, `stack.csv` into one folder). Flat lists of texts in thread order:
no reply links, no votes.

TechSumBench (Yang et al., ASE 2022), github.com/TechSumBot/TechSumBot @937a8e536c1444d5d0cbdc357163545615a86215,
folder `dataset/`: 37 Stack Overflow questions, each with the answers to it and to its duplicates (382 answers)
and three independent human summaries of five sentences taken from those answers. `input/overall/*.txt` holds
every answer's sentences; `input/json/*.pkl` holds each answer's Stack Overflow score (net votes) and the question
it answers. The .pkl files lack the last answer of every question (their writer never appends it), so those 37
answers have no score and are left out of the threads for every system alike (345 answers remain).
"""

from __future__ import annotations

import ast
import csv
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.comments.discussion import ThreadComment

CONVOSUMM_DOMAINS = ("nyt", "reddit", "stack")
# TechSumBench's first 17 questions are about Java (and Spring, Android), the other 20 about Python.
JAVA_QUERIES = range(0, 17)


@dataclass(frozen=True)
class Thread:
    comments: list[ThreadComment]   # in thread order
    references: list[str]           # one or more reference summaries
    key: str = ""


def _comment(index: int, text: str, score: int = 0) -> ThreadComment:
    # A net score below zero is no reaction at all: Discord counts reactions, not downvotes.
    return ThreadComment(message_id=index + 1, author_name="r", text=text, reactions=max(0, score))


def load_convosumm(path: Path) -> list[Thread]:
    csv.field_size_limit(sys.maxsize)
    threads = []
    with path.open(newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            texts = [str(c) for c in ast.literal_eval(row["comments"]) if str(c).strip()]
            if texts and row["summary"].strip():
                threads.append(Thread([_comment(i, t) for i, t in enumerate(texts)], [row["summary"]], str(n)))
    return threads


class _PlainUnpickler(pickle.Unpickler):
    """Lists, strings and numbers only: a pickle that names any class or function is refused, not run."""

    def find_class(self, module: str, name: str) -> type:
        raise pickle.UnpicklingError(f"refused global {module}.{name}")


_ANSWER = re.compile(r"^Answer:\s+#\d+\s+\(https?://stackoverflow\.com/a/(\d+)\)")
_SENTENCE = re.compile(r'^\s*\[.?\]\s+#\d+:\s+"(.*)"\s*$')


def parse_answers(text: str) -> dict[str, list[str]]:
    """An `input/overall` file: answer id -> its sentences, in file order (code snippets are left out)."""
    answers: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if match := _ANSWER.match(line):
            current = answers.setdefault(match.group(1), [])
        elif current is not None and (match := _SENTENCE.match(line)):
            current.append(match.group(1).strip())
    return answers


def _number(name: str) -> int:
    return int(name.split("_", 1)[0])


def load_techsumbench(root: Path) -> dict[int, Thread]:
    """Question number -> its answers (with votes) and its three reference summaries."""
    overall = {_number(p.name): p for p in (root / "input" / "overall").glob("*.txt")}
    votes = {_number(p.name): p for p in (root / "input" / "json").glob("*.pkl")}
    golds: dict[int, list[str]] = {}
    for path in sorted((root / "gold").glob("*.txt")):
        _annotator, question, _rest = path.name.split("_", 2)
        golds.setdefault(int(question), []).append(path.read_text(encoding="utf-8"))
    threads = {}
    for number in sorted(overall.keys() & votes.keys() & golds.keys()):
        answers = parse_answers(overall[number].read_text(encoding="utf-8"))
        with votes[number].open("rb") as handle:
            scored = _PlainUnpickler(handle).load()
        comments: list[ThreadComment] = []
        for answer_id, score, _question, *_sentences in scored:
            sentences = answers.get(str(answer_id))
            if sentences:
                comments.append(_comment(len(comments), " ".join(sentences), int(score)))
        if comments:
            threads[number] = Thread(comments, golds[number], str(number))
    return threads
