"""A hang guard for tests of hostile input: run a call in a forked child and fail if it is still running
after a generous limit. It is not a timing assertion: the inputs are sized so that a quadratic scan would take
many minutes and a linear one well under a second, and the limit only stops a test that would never end
(a regex cannot be interrupted inside one thread)."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

__all__ = ["HANG_GUARD_SECONDS", "finishes"]

T = TypeVar("T")
HANG_GUARD_SECONDS = 60.0


def _child(conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        conn.send((True, fn(*args, **kwargs)))
    except BaseException as exc:  # handed to the parent, which re-raises it
        try:
            conn.send((False, exc))
        except Exception:  # not picklable: its text then
            conn.send((False, AssertionError(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")))
    finally:
        conn.close()


def finishes(fn: Callable[..., T], *args: Any, limit: float = HANG_GUARD_SECONDS, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, computed in a forked child (its exception re-raised here); AssertionError if it
    runs longer than `limit`."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, args, kwargs), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(limit):
            raise AssertionError(f"{getattr(fn, '__name__', fn)} still running after {limit:g} s (hang guard): "
                                 "it does not scale linearly with its input")
        ok, value = receive.recv()
    finally:
        child.kill()
        child.join()
        receive.close()
    if not ok:
        raise value
    return value
