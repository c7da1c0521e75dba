"""Shared pytest fixtures. Emulator + bot fixtures live in tests/emulator_fixtures.py."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.emulator_fixtures import bot_runner, emulator
from tests.postgres_server import clean_database

__all__ = ["backend", "bot_runner", "database_url", "emulator"]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each store and service test runs on both engines."""
    return str(request.param)


@pytest.fixture
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new database for one test: an SQLite file, or a migrated database on the test PostgreSQL server."""
    if backend == "sqlite":
        yield str(tmp_path / "test.db")
        return
    yield await clean_database()


# The slowest files first (measured with `--durations`, 2026-12-06): with `--dist loadfile` a slow file handed out
# last keeps one worker busy while the other idles. xdist's own order (most tests first, switched off in
# pyproject's addopts) put exactly these last: they are few, long end-to-end tests. Other files keep their order.
SLOW_FILES_FIRST = (
    "test_e2e_scale_out.py", "test_sandbox.py", "test_e2e_posting.py", "test_e2e_moderation.py",
    "test_feed_extract_bounds.py", "test_e2e_feed_opml.py", "test_e2e_bot_runtime.py", "test_e2e_storage_outage.py",
    "test_crash_recovery.py", "test_run_status.py", "test_web_browser.py", "test_db_copy.py", "test_feed_parser.py",
    "test_feed_conformance.py", "test_web_dashboard.py", "test_summarize_coherence.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The threaded writer owns an sqlite3 connection: its cases exist on SQLite only (PostgreSQL has BatchWriter),
    # so they are not collected there rather than skipped on every run.
    sqlite_only = [item for item in items if _params(item).get("backend") == "postgresql"
                   and "threaded" in (_params(item).get("env"), _params(item).get("kind"))]
    if sqlite_only:
        config.hook.pytest_deselected(items=sqlite_only)
        items[:] = [item for item in items if item not in sqlite_only]
    slow = {name: rank for rank, name in enumerate(SLOW_FILES_FIRST)}
    items.sort(key=lambda item: slow.get(item.path.name, len(slow)))  # stable: each file's tests keep their order


def _params(item: pytest.Item) -> dict[str, object]:
    callspec = getattr(item, "callspec", None)
    return dict(callspec.params) if callspec is not None else {}
