"""The reliability check of benchmarks/crash.py, one round here (more with `python benchmarks/crash.py --rounds N`): SIGKILL the bot process (`python -m bot run`)
while comments, replies, edits, deletes and reactions stream in through the emulator; after each restart
the database must hold exactly what the emulator holds, and pass PRAGMA integrity_check."""

from __future__ import annotations

import io
from pathlib import Path

from benchmarks.crash import run_rounds


async def test_sigkill_mid_stream_loses_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    result = await run_rounds(1, seed=11, workdir=tmp_path, rate=300.0, out=out)
    log = out.getvalue() + (tmp_path / "bot.log").read_text(errors="replace")[-3000:]
    assert result.rounds == 1, log
    assert (result.lost, result.duplicates, result.integrity_failures) == (0, 0, 0), log
    assert all(r.integrity_ok for r in result.reports)
