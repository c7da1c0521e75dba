"""The project's import graph, read from the source with `ast` (nothing is imported).

Every import counts, also those inside functions (a lazy import is still a dependency); imports under
`if TYPE_CHECKING:` are kept apart, because they exist only for the type checker.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Edge", "ImportGraph", "cycles"]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a first-party module, or the top-level name of a third-party one ("discord")
    lazy: bool  # inside a function: runs only when that function does
    typing_only: bool  # under `if TYPE_CHECKING:`


@dataclass
class ImportGraph:
    root: Path
    modules: dict[str, Path] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    @classmethod
    def read(cls, root: Path, packages: Iterable[str]) -> ImportGraph:
        graph = cls(root)
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                graph.modules[".".join(parts)] = path
        for name, path in graph.modules.items():
            if name.endswith("__main__"):
                continue  # a script: run, never imported
            graph.edges.extend(graph._edges_of(name, path))
        return graph

    def _resolve(self, dotted: str) -> str:
        """The first-party module a dotted name lands in, or the top-level third-party package."""
        probe = dotted
        while probe:
            if probe in self.modules:
                return probe
            probe = probe.rpartition(".")[0]
        return dotted.split(".")[0]

    def _edges_of(self, name: str, path: Path) -> Iterator[Edge]:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, lazy, typing_only in _walk(tree, lazy=False, typing_only=False):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import mod` depends on pkg.mod; `from pkg import name` on pkg itself.
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in self.modules else base for a in node.names]
            for target in targets:
                resolved = self._resolve(target)
                if resolved != name:
                    yield Edge(name, resolved, lazy, typing_only)

    def package_of(self, module: str) -> str:
        """A module's package; the top-level modules of `bot/` (config, logs, errors...) each stand alone."""
        if self.modules[module].name == "__init__.py" or "." not in module:
            return module
        parent = module.rpartition(".")[0]
        return module if parent == "bot" else parent


def _walk(node: ast.AST, *, lazy: bool, typing_only: bool) -> Iterator[tuple[ast.AST, bool, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, lazy, typing_only
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk(child, lazy=True, typing_only=typing_only)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), lazy=lazy, typing_only=True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), lazy=lazy, typing_only=typing_only)
        else:
            yield from _walk(child, lazy=lazy, typing_only=typing_only)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found
