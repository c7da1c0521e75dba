"""`newsdesk stories cluster FILE`: published order, output in input order, bad lines, files and stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.stories.cli import cluster_lines
from newsdesk.cli import main

ROOT = Path(__file__).resolve().parent.parent

LINES = [
    # Listed first but published last: processed after the article that opens the story.
    {"id": "late", "title": "Tsunami warning issued after magnitude 7.1 earthquake strikes off Japan coast",
     "source": "BBC", "published": "2026-12-05T12:00:00Z"},
    {"id": 7, "title": "Magnitude 7.1 earthquake strikes off coast of Japan, tsunami warning issued",
     "url": "https://r.example/1",
     "source": "Reuters", "published": "2026-12-05T10:00:00+00:00"},
    {"id": "phone", "title": "Apple unveils its new iPhone at September event", "published": 1796464800},
    # No date: the time of the nearest dated line before it (10:00, as "phone"), after line 2 in file order.
    {"id": "undated", "title": "Japan coast: magnitude 7.1 earthquake strikes, tsunami warning issued"},
]


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows),
                    encoding="utf-8")
    return path


def _run(args: list[str], stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "newsdesk", "stories", "cluster", *args], input=stdin,
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=60, check=False)


def test_cluster_file_in_input_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path / "items.jsonl", [*LINES])
    assert main(["stories", "cluster", str(path)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["id"] for row in out] == ["late", 7, "phone", "undated"]
    story = {row["id"]: row["story"] for row in out}
    # The earlier publication opened the story, whatever the file order.
    assert story == {"late": 7, 7: 7, "phone": "phone", "undated": 7}


def test_bad_lines_are_named_and_skipped(tmp_path: Path) -> None:
    path = _write(tmp_path / "items.jsonl", [
        LINES[1], "{not json", {"title": "no id"}, {"id": "x", "title": ""}, {"id": "y", "title": "T",
        "published": "yesterday"}, [1, 2], {"id": 7, "title": "Same id again"}, "", LINES[0],
    ])
    done = _run([str(path)], cwd=tmp_path)
    assert done.returncode == 1
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [7, "late"]
    errors = done.stderr.splitlines()
    assert len(errors) == 6
    assert errors[0].startswith(f"newsdesk: {path} line 2: not JSON")
    assert 'line 3: "id" is missing' in errors[1]
    assert 'line 4: "title" is missing or empty' in errors[2]
    assert "line 5: \"published\" 'yesterday' is not ISO 8601" in errors[3]
    assert "line 6: a JSON object is needed, not list" in errors[4]
    assert "line 7: \"id\" 7 is already used on line 1" in errors[5]
    assert all(error.endswith("(line skipped)") for error in errors)


def test_standard_input_and_window(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "title": "Wildfire forces evacuation of thousands in northern California", "published": 0},
        {"id": "b", "title": "Wildfire forces evacuation of thousands in northern California", "published": 7200},
    ]
    text = "".join(json.dumps(row) + "\n" for row in rows)
    done = _run(["-"], stdin=text, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["story"] for line in done.stdout.splitlines()] == ["a", "a"]
    narrow = _run(["-", "--window-hours", "1"], stdin=text, cwd=tmp_path)
    assert [json.loads(line)["story"] for line in narrow.stdout.splitlines()] == ["a", "b"]


def test_missing_file_and_bad_window(tmp_path: Path) -> None:
    missing = _run([str(tmp_path / "nope.jsonl")], cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("newsdesk: cannot read") and missing.stdout == ""
    bad = _run(["-", "--window-hours", "0"], stdin="", cwd=tmp_path)
    assert bad.returncode == 2 and "--window-hours must be more than 0" in bad.stderr


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": 1, "title": "Caf\xe9"}\n'.encode("latin-1"))
    done = _run([str(path)], cwd=tmp_path)
    assert done.returncode == 2 and "is not UTF-8 text" in done.stderr


def test_cluster_lines_times_without_dates() -> None:
    results, problems = cluster_lines([json.dumps({"id": "a", "title": "One"}), json.dumps({"id": "b", "title": "Two"})])
    assert results == [("a", "a"), ("b", "b")] and problems == []
