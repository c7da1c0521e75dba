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
