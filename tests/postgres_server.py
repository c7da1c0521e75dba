"""A PostgreSQL server for the tests, and a fresh database on it per test.

Where the server comes from, in order: `NEWSDESK_TEST_DATABASE_URL`; a server on 127.0.0.1:5432 that answers
(trust auth, database `test`, as this machine kind and CI run one); a throwaway cluster started with the
`initdb`/`pg_ctl` binaries when installed (`NEWSDESK_TEST_POSTGRES=throwaway` skips the first two); else the PostgreSQL tests skip saying why (`.ci/run` sets
`NEWSDESK_REQUIRE_POSTGRES=1`, which turns that skip into a failure).

Each test process (pytest-xdist worker) gets its own database, created once from a template that holds the
migrated schema (made once per schema, under an advisory lock so parallel workers make it once); before each
test every table is emptied (`clean_database`), which costs a few milliseconds where a `CREATE DATABASE` costs
most of a second. Tests of migrations themselves take a new empty database (`create_database`).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
import uuid
from functools import cache

import pytest

from bot.storage.database import load_migrations

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
_TEMPLATE_LOCK = 7_340_118


def _answers(url: str) -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(url, timeout=3)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # callers may be inside a running event loop
        return pool.submit(asyncio.run, probe()).result()


def _throwaway_cluster() -> str | None:
    """Start a private cluster in a temporary folder with the installed `initdb`/`pg_ctl` (stopped at exit).
    PostgreSQL refuses to run as root: then it runs as the `postgres` system user, through `runuser`."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not initdb or not pg_ctl:
        return None
    as_user: list[str] = []
    folder = tempfile.mkdtemp(prefix="newsdesk-pg-")
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            return None
        if runuser is None:
            return None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = [runuser, "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run([*as_user, initdb, "-D", folder, "-A", "trust", "-U", "postgres"], check=True,
                   capture_output=True)
    # The server's output goes to a log file: a pipe would be held open by the server and never end the run.
    subprocess.run([*as_user, pg_ctl, "-D", folder, "-l", f"{folder}/server.log", "-o",
                    f"-p {port} -k {folder} -h 127.0.0.1 -F", "-w", "start"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    def stop() -> None:
        subprocess.run([*as_user, pg_ctl, "-D", folder, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


@cache
def server_url() -> tuple[str | None, str]:
    """(URL of a database to administer from, or None; why not)."""
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        return None, "asyncpg is not installed (pip install -e '.[dev]')"
    configured = os.environ.get("NEWSDESK_TEST_DATABASE_URL")
    if configured:
        return (configured, "") if _answers(configured) else (None, f"NEWSDESK_TEST_DATABASE_URL={configured} "
                                                                    "does not answer")
    if os.environ.get("NEWSDESK_TEST_POSTGRES") != "throwaway" and _answers(DEFAULT_URL):
        return DEFAULT_URL, ""
    started = _throwaway_cluster()
    if started:
        return started, ""
    return None, f"no PostgreSQL server: none at {DEFAULT_URL}, no initdb/pg_ctl to start one"


def require_server() -> str:
    url, why = server_url()
    if url is None:
        if os.environ.get("NEWSDESK_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL tests must run here: {why}")
        pytest.skip(why)
    return url


def _with_database(url: str, name: str) -> str:
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/" + name))


async def _ensure_template(admin_url: str) -> str:
    import asyncpg

    from bot.storage.engines import open_database

    digest = hashlib.sha256("".join(m.checksum_for("postgresql") for m in load_migrations()).encode()).hexdigest()
    name = f"newsdesk_template_{digest[:12]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _TEMPLATE_LOCK)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}_partial" WITH (FORCE)')  # a crashed run's
                await conn.execute(f'CREATE DATABASE "{name}_partial"')
                db = await open_database(_with_database(admin_url, f"{name}_partial"))
                await db.close()
                await conn.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _TEMPLATE_LOCK)
    finally:
        await conn.close()
    return name


async def create_database(*, migrated: bool = True) -> str:
    """The URL of a new, empty (or freshly migrated) database on the test server."""
    import asyncpg

    admin = require_server()
    name = f"newsdesk_test_{uuid.uuid4().hex[:16]}"
    template = await _ensure_template(admin) if migrated else "template0"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return _with_database(admin, name)


async def drop_database(url: str) -> None:
    import asyncpg

    admin = require_server()
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()






_worker_database: dict[str, str] = {}  # this process's database, made on first use and dropped at exit


async def clean_database() -> str:
    """The URL of this test process's migrated database, with every table emptied."""
    import asyncpg

    url = _worker_database.get("url")
    if url is None:
        url = _worker_database["url"] = await create_database()
        atexit.register(_drop_at_exit, url)
    conn = await asyncpg.connect(url)
    try:
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")]
        # DELETE, not TRUNCATE: TRUNCATE gives each table new files (about 1.4 s for them all here, with fsync);
        # foreign keys are not checked meanwhile (replica role), and ids start again at 1 as in a new file.
        sequences = [r[0] for r in await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            await conn.execute("; ".join(f"DELETE FROM {t}" for t in tables))
            await conn.execute("; ".join(f"SELECT setval('{s}', 1, false)" for s in sequences))
    finally:
        await conn.close()
    return url


def _drop_at_exit(url: str) -> None:
    asyncio.run(drop_database(url))  # no loop runs any more at exit
