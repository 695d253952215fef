"""Fixtures for the whole suite: the real LiveRC captures and real databases.

Every database test runs on SQLite and on PostgreSQL. PostgreSQL tests run when
``TRACK_SYNC_TEST_POSTGRES_URL`` (default: the local trust-auth server) answers;
with ``TRACK_SYNC_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) an unreachable server
fails the tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

if TYPE_CHECKING:
    from track_sync_assets.store import CatalogueStore

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRACK_SYNC = Path(sys.executable).parent / "track-sync"
"""The project's command, from the virtualenv the tests run in."""
LIVERC_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "liverc"
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("TRACK_SYNC_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_required() -> bool:
    return os.environ.get("TRACK_SYNC_REQUIRE_POSTGRES", "").strip() == "1"


def _postgres_unavailable_reason() -> str | None:
    engine = sa.create_engine(postgres_admin_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:  # any failure means "not reachable"
        return f"PostgreSQL at {postgres_admin_url()} is not reachable: {exc.__class__.__name__}"
    finally:
        engine.dispose()
    return None


_PG_REASON: list[str | None] = []


def require_postgres() -> None:
    """Skip (or, in CI, fail) the calling test when PostgreSQL cannot be reached."""
    if not _PG_REASON:
        _PG_REASON.append(_postgres_unavailable_reason())
    reason = _PG_REASON[0]
    if reason is not None:
        if postgres_required():
            pytest.fail(f"{reason} (TRACK_SYNC_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, drop it afterwards."""
    require_postgres()
    name = f"ts_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_admin_url()).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'catalogue.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty catalogue database: once on SQLite, once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def store(database_url: str) -> Iterator[CatalogueStore]:
    """A migrated, empty catalogue (SQLite, then PostgreSQL)."""
    from track_sync_assets.store import CatalogueStore

    catalogue = CatalogueStore(database_url, lock_timeout_s=10)
    catalogue.migrate()
    try:
        yield catalogue
    finally:
        catalogue.dispose()


def run_track_sync(
    args: list[str], *, env: Mapping[str, str], cwd: Path, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    """Run ``track-sync ARGS`` to its end, output captured; a hang fails after ``timeout_s``."""
    return subprocess.run(
        [str(TRACK_SYNC), *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def stop_process_group(process: subprocess.Popen, timeout_s: float = 30.0) -> None:
    """SIGTERM to a process started in its own group (a webserver or daemon with its code
    servers and run workers), SIGKILL after ``timeout_s``; then any children left behind."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def create_instance_storage(home: Path, **environ: str) -> None:
    """Create the storage of the Dagster instance at ``home`` in this process, before a daemon
    or webserver starts on it: processes that create a fresh instance's tables at the same
    time can fail ("table alembic_version already exists" killed a daemon once)."""
    from unittest import mock

    from dagster import DagsterInstance

    with mock.patch.dict(os.environ, environ), DagsterInstance.from_config(str(home)):
        pass


# --- The real LiveRC captures, committed under track_sync_tests/fixtures/liverc. ---


def liverc_fixture_dir() -> Path:
    """The committed LiveRC captures: ``pages/`` (real pages) and ``expected/`` (their values)."""
    return LIVERC_FIXTURES


def real_page_path(relative: str) -> Path:
    """The path of a captured page under ``fixtures/liverc/pages``."""
    return LIVERC_FIXTURES / "pages" / relative


def real_page(relative: str) -> str:
    """The text of a captured page under ``fixtures/liverc/pages``."""
    return real_page_path(relative).read_text(encoding="utf-8")


def real_expected(name: str) -> dict[str, Any]:
    """The expected values under ``fixtures/liverc/expected``."""
    return json.loads((LIVERC_FIXTURES / "expected" / name).read_text(encoding="utf-8"))


# --- The reliability suite's table of cases (track_sync_tests/reliability). ---

RELIABILITY_RESULTS_VAR = "TRACK_SYNC_RELIABILITY_RESULTS"
"""A JSON-lines file every pytest process appends finished reliability cases to (xdist
workers inherit it from the controller); the controller prints the table at the end."""


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and RELIABILITY_RESULTS_VAR not in os.environ:
        handle, path = tempfile.mkstemp(prefix="track-sync-reliability-", suffix=".jsonl")
        os.close(handle)
        os.environ[RELIABILITY_RESULTS_VAR] = path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return
    path = Path(os.environ.get(RELIABILITY_RESULTS_VAR, "/nonexistent"))
    rows = (
        [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if (path.is_file())
        else []
    )
    if not rows:
        return
    terminalreporter.section("reliability cases")
    terminalreporter.write_line("| case | database | outcome | tracks lost |")
    terminalreporter.write_line("|---|---|---|---|")
    for row in sorted(rows, key=lambda r: (r["case"], r["database"])):
        terminalreporter.write_line(
            f"| {row['case']} | {row['database']} | {row['outcome']} | {row['tracks_lost']} |"
        )
