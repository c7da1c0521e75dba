"""The comment write path alone: `CommentStore.submit` into the `ThreadedBatchWriter`, then committed.

No Discord, no emulator: `--messages` comments of a usual length are submitted (yielding to the loop every
500, as the gateway does), then `flush()`ed, on a fresh database with the current schema. Prints the submit
rate (the event loop's cost) and the submit+commit rate (the writer thread's). With `--against DIR` (another
checkout of Newsdesk, e.g. `git worktree add /tmp/before main`), both versions run alternately in this one
process, each with its own schema, and the ratios ours/theirs are printed: the way to check that a writer
change keeps the path as fast (a schema change, such as a trigger on comments, shows up here too).

    /work/venv/bin/python benchmarks/writer.py [--messages 100000] [--rounds 5] [--against DIR]
Last line: RESULT submit_per_s=… committed_per_s=… [submit_ratio=… committed_ratio=…]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parents[1]


Version = tuple[ModuleType, Any, ModuleType, Path]


def load(root: Path) -> Version:
    """The writer, database and comments modules of the checkout at `root` (imported afresh), and its
    migrations (passed explicitly: the packaged ones are looked up through whichever `bot` was imported last)."""
    for name in [m for m in sys.modules if m == "bot" or m.startswith("bot.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        import bot.storage.comments as comments
        import bot.storage.database as database
        import bot.storage.writer as writer
        try:  # checkouts from before bot.storage.engines opened through Database.open
            import bot.storage.engines as engines
            opener = engines.open_database
        except ImportError:
            opener = database.Database.open
    finally:
        sys.path.remove(str(root))
    return writer, opener, comments, root / "bot" / "storage" / "migrations"


async def one_round(version: Version, n: int) -> tuple[float, float]:
    writer_mod, opener, comments_mod, migrations = version
    with tempfile.TemporaryDirectory() as tmp:
        db = await opener(Path(tmp) / "bench.db", migrations_dir=migrations)
        writer = writer_mod.ThreadedBatchWriter(db.path)
        store = comments_mod.CommentStore(db, writer)
        text = "a comment of a usual length, about eighty characters, on the story of the day"
        started = time.perf_counter()
        for mid in range(1, n + 1):
            store.submit(mid, 1, 10, None, 7, "Reader", text, None, (), 1000.0 + mid, None)
            if mid % 500 == 0:
                await asyncio.sleep(0)
        submitted = time.perf_counter() - started
        await writer.flush()
        committed = time.perf_counter() - started
        await writer.close()
        await db.close()
    return n / submitted, n / committed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout to compare with, run alternately")
    args = parser.parse_args()
    versions = {"ours": load(HERE)}
    if args.against is not None:
        versions["theirs"] = load(args.against.resolve())
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    for _ in range(args.rounds):
        for name, modules in versions.items():
            results[name].append(asyncio.run(one_round(modules, args.messages)))
    medians = {name: (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs))
               for name, rs in results.items()}
    for name, (submit, commit) in medians.items():
        print(f"{name}: submit {submit:,.0f}/s, submit+commit {commit:,.0f}/s (median of {args.rounds})")
    line = f"RESULT submit_per_s={medians['ours'][0]:.0f} committed_per_s={medians['ours'][1]:.0f}"
    if "theirs" in medians:
        line += (f" submit_ratio={medians['ours'][0] / medians['theirs'][0]:.3f}"
                 f" committed_ratio={medians['ours'][1] / medians['theirs'][1]:.3f}")
    print(line)


if __name__ == "__main__":
    main()
