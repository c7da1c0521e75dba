"""Storage is a layer of its own, read from the source with ast: SQL runs only in bot/storage/, and the
adapters (cogs, the web dashboard) call services, never the stores under them."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("bot", "cogs", "web", "newsdesk")
ADAPTERS = ("cogs", "web")  # Discord, and the web dashboard
STORAGE = ROOT / "bot" / "storage"

_SQL = re.compile(r"\b(SELECT\s.+?\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
                  r"|CREATE\s+(TABLE|INDEX|TRIGGER|VIEW)\s|PRAGMA\s)", re.S)
_DRIVERS = {"sqlite3", "aiosqlite"}
_RUNS_SQL = {"execute", "executemany", "executescript", "execute_rowcount", "fetchall", "fetchone", "fetchval",
             "run_batch"}

# Adapter code that still reaches a store, with why. Shrink this list; never grow it.
STORE_USERS = {
    "cogs/client.py": "the bot's own start-up and shutdown: command-sync signature (meta), last flush (writer)",
}


def _modules(*tops: str) -> Iterator[Path]:
    for top in tops:
        yield from sorted((ROOT / top).rglob("*.py"))


def _text(node: ast.AST) -> str | None:
    """A string literal's text; an f-string's literal parts with `{}` where the values go."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                       for v in node.values)
    return None


def sql_uses(source: str) -> list[str]:
    """What in `source` runs SQL: SQL text, a database driver imported, a database method called."""
    found = []
    tree = ast.parse(source)
    parts = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        text = None if id(node) in parts else _text(node)
        if text is not None and _SQL.search(text):
            found.append(f"line {node.lineno}: SQL {text.strip()[:60]!r}")  # type: ignore[attr-defined]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"line {node.lineno}: imports {n}" for n in names if n.split(".")[0] in _DRIVERS]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr in _RUNS_SQL):
            found.append(f"line {node.lineno}: calls .{node.func.attr}()")
    return found


def test_sql_runs_only_in_storage() -> None:
    offenders = [f"{path.relative_to(ROOT)} {use}" for path in _modules(*PRODUCT)
                 if STORAGE not in path.parents for use in sql_uses(path.read_text())]
    assert not offenders, "SQL outside bot/storage/:\n" + "\n".join(offenders)


def test_the_sql_finder_finds_sql() -> None:
    source = ('import aiosqlite\nQ = ("SELECT id FROM t"\n     " WHERE x = ?")\n'
              'async def f(db, n):\n    await db.fetchall(f"DELETE FROM t WHERE id IN ({n})")\n'
              'HELP = "Select an article from the list"\n')
    assert [u.split(":")[0] for u in sql_uses(source)] == ["line 1", "line 2", "line 5", "line 5"]


def _store_uses(source: str) -> list[str]:
    return [f"line {node.lineno}: .stores.{getattr(parent, 'attr', '')}".rstrip(".")
            for parent in ast.walk(ast.parse(source)) if isinstance(parent, ast.Attribute)
            for node in [parent.value] if isinstance(node, ast.Attribute) and node.attr == "stores"]


def test_the_adapter_calls_services_not_stores() -> None:
    """`Services.stores` is for the composition root and the tools (tests, demo, benchmarks)."""
    offenders = []
    for path in _modules(*ADAPTERS):
        name = path.relative_to(ROOT).as_posix()
        uses = _store_uses(path.read_text())
        if uses and name not in STORE_USERS:
            offenders += [f"{name} {use}" for use in uses]
        elif not uses and name in STORE_USERS:
            offenders.append(f"{name} no longer uses a store: take it off STORE_USERS")
    offenders += [f"{name} is gone: take it off STORE_USERS" for name in STORE_USERS if not (ROOT / name).exists()]
    assert not offenders, "\n".join(offenders)


def test_the_store_finder_finds_store_use() -> None:
    assert _store_uses("async def f(self):\n    await self.services.stores.posts.get(1)\n") == [
        "line 2: .stores.posts"]
