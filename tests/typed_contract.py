"""Check JSON values against discord.py's payload TypedDicts (discord/types): required keys present, every
present key of the declared type (Literal, Optional, Union, List, Dict and nested TypedDicts included)."""

from __future__ import annotations

import sys
import typing
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin

__all__ = ["contract_errors", "load_discord_types"]


def load_discord_types() -> dict[str, Any]:
    """Import every discord/types module. They import each other in cycles (channel -> threads -> message ->
    channel ...) that discord.py only follows under TYPE_CHECKING. So each module is pre-seeded with a
    `ForwardRef` for every top-level name it defines (read with `ast`): a cyclic import gets a reference that
    the checker resolves later, once all modules ran. Modules that cannot run yet are retried."""
    import ast
    import importlib.util
    from pathlib import Path

    import discord.types as package

    directory = Path(package.__file__).parent
    pending = {p.stem: p for p in sorted(directory.glob("*.py")) if p.stem != "__init__"}
    loaded: dict[str, Any] = {}

    def fresh(stem: str, path: Path) -> Any:
        name = f"discord.types.{stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names: list[str] = []
            if isinstance(node, ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            for n in names:
                module.__dict__[n] = typing.ForwardRef(n, module=name)
        sys.modules[name] = module
        setattr(package, stem, module)
        return module

    for stem, path in pending.items():
        if f"discord.types.{stem}" not in sys.modules:
            fresh(stem, path)
    while pending:
        progress = False
        for stem, path in list(pending.items()):
            module = sys.modules[f"discord.types.{stem}"]
            try:
                module.__spec__.loader.exec_module(module)  # type: ignore[union-attr]
                # A class whose base was still a ForwardRef "succeeds" as a ForwardRef: not loaded yet.
                if any(isinstance(v, typing.ForwardRef) and not isinstance(v.__forward_module__, str | None)
                       for v in vars(module).values()):
                    raise ImportError(stem)
            except Exception:
                fresh(stem, path)
                continue
            loaded[stem] = module
            del pending[stem]
            progress = True
        if not progress:
            raise ImportError(f"cannot load discord.types modules {sorted(pending)}")
    return loaded


def _resolve_ref(ref: typing.ForwardRef) -> Any:
    module = sys.modules.get(ref.__forward_module__ or "")
    value = getattr(module, ref.__forward_arg__, Any) if module else Any
    return Any if isinstance(value, typing.ForwardRef) else value


_fields_cache: dict[type, dict[str, tuple[Any, bool]]] = {}


def _eval(annotation: Any, home: str) -> Any:
    if isinstance(annotation, typing.ForwardRef):
        home = annotation.__forward_module__ or home
        annotation = annotation.__forward_arg__
    if not isinstance(annotation, str):
        return annotation
    modules = [sys.modules[home]] + [m for n, m in sys.modules.items() if n.startswith("discord.types.")]
    for module in modules:
        try:
            return eval(annotation, vars(typing) | vars(module))  # discord.types' own annotation strings
        except NameError:
            continue
    return Any


def _fields(td: type) -> dict[str, tuple[Any, bool]]:
    """key -> (type, required). Computed here because with `from __future__ import annotations` (as in
    discord.types) Python 3.11's `__required_keys__` cannot see NotRequired/Required inside strings."""
    if td not in _fields_cache:
        fields: dict[str, tuple[Any, bool]] = {}
        for key, raw in td.__annotations__.items():
            tp = _eval(raw, td.__module__)
            required = key in td.__required_keys__  # type: ignore[attr-defined]
            if get_origin(tp) is NotRequired:
                tp, required = get_args(tp)[0], False
            elif get_origin(tp) is Required:
                tp, required = get_args(tp)[0], True
            fields[key] = (tp, required)
        _fields_cache[td] = fields
    return _fields_cache[td]


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__required_keys__")


def contract_errors(value: Any, tp: Any, path: str = "$") -> list[str]:
    """[] if `value` fits `tp`, else human-readable problems (path: what is wrong)."""
    if isinstance(tp, typing.ForwardRef):
        tp = _resolve_ref(tp)
    origin = get_origin(tp)
    if tp is Any or tp is object:
        return []
    if origin in (NotRequired, Required):
        return contract_errors(value, get_args(tp)[0], path)
    if tp is None or tp is type(None):
        return [] if value is None else [f"{path}: expected null, got {value!r}"]
    if origin is Literal:
        return [] if value in get_args(tp) else [f"{path}: {value!r} not in {get_args(tp)}"]
    if origin is Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        variants = get_args(tp)
        results = [contract_errors(value, v, path) for v in variants]
        if any(not r for r in results):
            return []
        return min(results, key=len)
    if origin in (list, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            return [f"{path}: expected list, got {type(value).__name__}"]
        (item,) = get_args(tp) or (Any,)
        return [e for i, v in enumerate(value) for e in contract_errors(v, item, f"{path}[{i}]")]
    if origin in (dict, typing.Dict):  # noqa: UP006
        if not isinstance(value, dict):
            return [f"{path}: expected object, got {type(value).__name__}"]
        _, vt = get_args(tp) or (Any, Any)
        return [e for k, v in value.items() for e in contract_errors(v, vt, f"{path}.{k}")]
    if _is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{path}: expected {tp.__name__} object, got {type(value).__name__}"]
        fields = _fields(tp)
        errors = [f"{path}: missing required key {k!r} of {tp.__name__}"
                  for k, (_, required) in sorted(fields.items()) if required and k not in value]
        for key, (ann, _) in fields.items():
            if key in value:
                errors.extend(contract_errors(value[key], ann, f"{path}.{key}"))
        return errors
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(tp, type):
        ok = isinstance(value, tp)
    else:
        return []  # TypeVars and other exotic annotations are not checked
    return [] if ok else [f"{path}: expected {getattr(tp, '__name__', tp)}, got {value!r}"]
