"""The domain never imports discord: only cogs/ and the bot's Discord wiring (cogs/support/) may."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The modules allowed to import discord: the adapters and the bot's own Discord wiring.
ALLOWED = ("cogs/", "cogs/support/")


def _imports_discord(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "discord" for a in node.names):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "discord":
            lines.append(node.lineno)
    return lines


def test_domain_does_not_import_discord() -> None:
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(ALLOWED):
            continue
        offenders += [f"{rel}:{line}" for line in _imports_discord(path)]
    assert not offenders, f"modules outside {ALLOWED} import discord: {offenders}"


def test_checker_catches_an_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom discord.ext import commands\nimport discord.http as h\n")
    assert _imports_discord(bad) == [2, 3]
