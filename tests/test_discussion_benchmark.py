"""benchmarks/discussion_data.py and the baselines of benchmarks/discussion_summary.py, on files the test writes."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from benchmarks.discussion_data import load_techsumbench, parse_answers
from benchmarks.discussion_summary import (
    UNWEIGHTED,
    first_comments,
    most_reacted,
    ours,
    paired_ci,
    per_thread,
)
from bot.comments.discussion import ThreadComment

OVERALL = '''
Query:  "Why use tabs?"


Sentences:

Answer:  #0 (https://stackoverflow.com/a/101)
 [ ] #0: "Tabs let every reader pick an indent width."
 [ ] #1: "Spaces look the same everywhere."

Answer:  #1 (https://stackoverflow.com/a/102)
 [ ] #2: "Editors convert tabs anyway."
         [code snippet]
 [ ] #3: "So it hardly matters."

Answer:  #2 (https://stackoverflow.com/a/103)
 [ ] #4: "The last answer has no score in the pickle."
'''


def write_bench(root: Path) -> None:
    (root / "input" / "overall").mkdir(parents=True)
    (root / "input" / "json").mkdir(parents=True)
    (root / "gold").mkdir()
    (root / "input" / "overall" / "0_Why use tabs.txt").write_text(OVERALL, encoding="utf-8")
    # As TechSumBot's writer leaves them: [answer id, score, question id, sentences...], the last answer missing.
    scored = [["101", 12, 9, "Tabs let every reader pick an indent width."], ["102", -3, 9, "Editors convert."]]
    with (root / "input" / "json" / "0_Why use tabs?.pkl").open("wb") as handle:
        pickle.dump(scored, handle, protocol=2)
    for annotator in (1, 2, 3):
        (root / "gold" / f"{annotator}_0_Why use tabs.txt").write_text(f"Summary {annotator}.", encoding="utf-8")


def test_answers_are_parsed_without_code_snippet_lines() -> None:
    answers = parse_answers(OVERALL)
    assert list(answers) == ["101", "102", "103"]
    assert answers["102"] == ["Editors convert tabs anyway.", "So it hardly matters."]


def test_techsumbench_threads_carry_votes_and_three_references(tmp_path: Path) -> None:
    write_bench(tmp_path)
    threads = load_techsumbench(tmp_path)
    assert list(threads) == [0]
    thread = threads[0]
    assert [c.text for c in thread.comments] == [
        "Tabs let every reader pick an indent width. Spaces look the same everywhere.",
        "Editors convert tabs anyway. So it hardly matters.",
    ]
    assert [c.reactions for c in thread.comments] == [12, 0]  # a net score below zero is no reaction
    assert sorted(thread.references) == ["Summary 1.", "Summary 2.", "Summary 3."]


def test_a_pickle_that_names_a_global_is_refused_not_run(tmp_path: Path) -> None:
    write_bench(tmp_path)
    with (tmp_path / "input" / "json" / "0_Why use tabs?.pkl").open("wb") as handle:
        pickle.dump([["101", os.getcwd, 9]], handle, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match="refused global"):
        load_techsumbench(tmp_path)


def c(mid: int, text: str, reactions: int = 0) -> ThreadComment:
    return ThreadComment(message_id=mid, author_name="r", text=text, reactions=reactions)


def test_baselines_take_comments_in_their_order_within_the_word_budget() -> None:
    thread = [c(1, "one two three"), c(2, "four five", reactions=7), c(3, "six seven", reactions=7)]
    assert first_comments(thread, 4) == "one two three four"
    assert most_reacted(thread, 3) == "four five six"
    assert len(ours(UNWEIGHTED)(thread, 2).split()) <= 2


def test_rouge_is_averaged_over_references_and_paired_intervals_read_sensibly(tmp_path: Path) -> None:
    write_bench(tmp_path)
    thread = load_techsumbench(tmp_path)[0]

    class Overlap:  # ROUGE-1 as unigram-overlap F1, enough to check the averaging over references
        def score(self, reference: str, summary: str) -> dict[str, Any]:
            ref, got = set(reference.lower().split()), set(summary.lower().split())
            f1 = 2 * len(ref & got) / (len(ref) + len(got)) if ref and got else 0.0
            return {k: SimpleNamespace(fmeasure=f1 if k != "rouge2" else 0.0) for k in ("rouge1", "rouge2", "rougeL")}

    [(r1, r2, rl)] = per_thread([thread], lambda comments, words: "Summary", 10, scorer=Overlap())
    assert r1 == pytest.approx(100 * 2 / 3) and r2 == 0 and rl == pytest.approx(r1)
    same = [(10.0, 5.0, 1.0), (20.0, 5.0, 1.0)]
    assert paired_ci(same, same) == "R1 +0.00 [+0.00, +0.00], R2 +0.00 [+0.00, +0.00]"
