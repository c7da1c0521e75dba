"""The layers, read from the source: who may import whom, no cycles, and a light `newsdesk --version`.

    newsdesk   entry points + composition root (may import everything; emulator/demo only lazily)
    cogs       the Discord adapter (the only layer that imports discord)
    web        the web dashboard, an HTTP adapter beside cogs
    bot        domain and storage
    emulator, demo: tools beside the product
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.import_graph import ImportGraph, cycles

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "cogs", "web", "newsdesk", "emulator", "demo")
GRAPH = ImportGraph.read(ROOT, PACKAGES)
TOOLS = ("emulator", "demo")
# The one door from the product to the tools beside it: the `sandbox`/`emulator` subcommands, imported lazily.
TOOL_ENTRY = "newsdesk.sandbox_cli"


def _top(module: str) -> str:
    return module.split(".")[0]


def _reach(start: str, *, runtime_only: bool) -> dict[str, list[str]]:
    """Every module `start` imports, directly or not, with one path to it (for the failure message)."""
    paths = {start: [start]}
    todo = [start]
    while todo:
        current = todo.pop()
        for edge in GRAPH.edges:
            if edge.source != current or edge.target in paths or (runtime_only and edge.typing_only):
                continue
            paths[edge.target] = [*paths[current], edge.target]
            if edge.target in GRAPH.modules:
                todo.append(edge.target)
    return paths


def test_only_the_adapter_and_the_application_reach_discord() -> None:
    offenders = []
    for module in GRAPH.modules:
        if _top(module) in ("cogs", "newsdesk"):
            continue
        path = _reach(module, runtime_only=False).get("discord")
        if path:
            offenders.append(" -> ".join(path))
    assert not offenders, "outside cogs/ and newsdesk/, these reach discord:\n" + "\n".join(offenders)


def test_the_domain_imports_no_layer_above_it() -> None:
    bad = [f"{e.source} -> {e.target}" for e in GRAPH.edges
           if _top(e.source) == "bot" and _top(e.target) in ("cogs", "web", "newsdesk", *TOOLS)]
    assert not bad, bad


def test_the_adapters_import_the_domain_not_each_other_nor_the_application() -> None:
    bad = [f"{e.source} -> {e.target}" for e in GRAPH.edges
           if (_top(e.source) == "cogs" and _top(e.target) in ("web", "newsdesk", *TOOLS))
           or (_top(e.source) == "web" and _top(e.target) in ("cogs", "newsdesk", *TOOLS))]
    assert not bad, bad


def test_the_product_reaches_the_tools_only_through_their_lazy_entry_point() -> None:
    bad = [f"{e.source} -> {e.target}{' (lazy)' if e.lazy else ''}" for e in GRAPH.edges
           if _top(e.source) in ("bot", "cogs", "web", "newsdesk") and _top(e.target) in TOOLS
           and not (e.source == TOOL_ENTRY and e.lazy)]
    assert not bad, bad


def test_the_tools_do_not_import_the_application() -> None:
    """The demo gets `launch_bot` passed in; the emulator is a server of its own and imports nothing of ours."""
    bad = [f"{e.source} -> {e.target}" for e in GRAPH.edges
           if (_top(e.source) == "demo" and _top(e.target) in ("newsdesk", "cogs", "web"))
           or (_top(e.source) == "emulator" and _top(e.target) in ("bot", "cogs", "web", "newsdesk", "demo"))]
    assert not bad, bad


def test_no_import_cycle_between_packages() -> None:
    """Every import counts here, lazy and typing-only ones too: a cycle hidden in a function is still one."""
    graph: dict[str, set[str]] = {}
    for edge in GRAPH.edges:
        if edge.target not in GRAPH.modules:
            continue
        # Importing a module runs its packages' __init__ first: that is not a dependency of the module.
        if GRAPH.modules[edge.target].name == "__init__.py" and edge.source.startswith(edge.target + "."):
            continue
        source, target = GRAPH.package_of(edge.source), GRAPH.package_of(edge.target)
        if source != target:
            graph.setdefault(source, set()).add(target)
    assert cycles(graph) == []


def test_no_import_cycle_between_modules_at_run_time() -> None:
    graph: dict[str, set[str]] = {}
    for edge in GRAPH.edges:
        if edge.target in GRAPH.modules and not edge.typing_only:
            graph.setdefault(edge.source, set()).add(edge.target)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_lazy_and_typing_only_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("X = 1\n")
    (pkg / "high.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import low\n"
        "def f():\n    import discord.http\n    from . import low\n")
    edges = {(e.source, e.target, e.lazy, e.typing_only) for e in ImportGraph.read(tmp_path, ["pkg"]).edges}
    assert ("pkg.high", "pkg.low", False, True) in edges
    assert ("pkg.high", "pkg.low", True, False) in edges
    assert ("pkg.high", "discord", True, False) in edges


def test_version_loads_neither_discord_nor_the_tools() -> None:
    """`newsdesk --version` and `--help` build the whole parser: that must not load discord.py, aiohttp, the
    emulator or the demo (they cost most of a second of start-up)."""
    probe = ("import sys\nfrom newsdesk.cli import build_parser\nbuild_parser()\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'discord', 'aiohttp', 'jinja2', 'emulator', 'demo', 'web'}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
