"""Where the catalogue lives and how to connect to it.

The catalogue URL is given by the caller (the Dagster resource, or
:mod:`track_sync_assets.environment.store` for command-line tools); without one the catalogue is
the SQLite file ``dagster_home/track_sync.db`` under the project root (see :func:`project_root`).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from track_sync_assets.store.errors import CatalogueUnavailable

DEFAULT_SQLITE_RELATIVE_PATH = Path("dagster_home") / "track_sync.db"
SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long a SQLite connection waits for another writer before giving up."""

_BEGIN_MODE_OPTION = "track_sync_sqlite_begin"
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE"})


def normalize_database_url(url: str | sa.engine.URL) -> str:
    """Spell PostgreSQL URLs with the installed driver (psycopg2).

    SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3, which is not installed;
    ``postgres://`` (Heroku style) is not understood at all. Both become
    ``postgresql+psycopg2://``. An explicit driver (``postgresql+psycopg://``) is kept.
    """
    if isinstance(url, sa.engine.URL):
        url = url.render_as_string(hide_password=False)
    url = url.strip()
    if not url:
        raise ValueError("the catalogue database URL is empty")
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg2://" + url[len(bare) :]
    return url


def project_root() -> Path:
    """The folder holding the project's ``pyproject.toml``.

    Found from this package's location (an editable install or a checkout); when the
    package is installed elsewhere (site-packages), the current working directory.
    """
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "track_sync_assets").is_dir():
            return parent
    return Path.cwd()


def default_database_url() -> str:
    """``sqlite:///<project root>/dagster_home/track_sync.db``."""
    return f"sqlite:///{project_root() / DEFAULT_SQLITE_RELATIVE_PATH}"


def resolve_database_url(url: str | sa.engine.URL | None = None) -> str:
    """The catalogue URL: ``url`` (normalized), else the default file
    (:func:`default_database_url`)."""
    if isinstance(url, str):
        url = url.strip()
    return normalize_database_url(url or default_database_url())


class SqliteFileGuard:
    """Keeps a SQLite catalogue from being silently re-created or written after deletion.

    SQLite creates a missing file on connect, and a process keeps writing to a file that
    was deleted under it (the data goes nowhere). The guard refuses to connect to a
    missing file unless creation is allowed (only while migrating), and checks on every
    connection checkout that the file still exists and is the one first opened.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.allow_create = True
        """A bare engine may create its file; a :class:`CatalogueStore` allows it only
        while migrating."""
        self._inode: int | None = None

    def before_connect(self) -> None:
        if not self.allow_create and not self.path.exists():
            raise CatalogueUnavailable(
                f"the catalogue database {self.path} does not exist (it is created only at "
                "the start of a sync or by `track-sync migrate`)"
            )

    def verify(self) -> None:
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            raise CatalogueUnavailable(
                f"the catalogue database {self.path} was removed while in use"
            ) from None
        if self._inode is None:
            self._inode = inode
        elif inode != self._inode:
            raise CatalogueUnavailable(
                f"the catalogue database {self.path} was replaced while in use"
            )


def sqlite_file_guard(engine: Engine) -> SqliteFileGuard | None:
    """The guard of a file-backed SQLite engine made by :func:`create_catalogue_engine`."""
    return _GUARDS.get(engine)


_GUARDS: weakref.WeakKeyDictionary[Engine, SqliteFileGuard] = weakref.WeakKeyDictionary()


def create_catalogue_engine(
    url: str | sa.engine.URL | None = None, *, sqlite_busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S
) -> Engine:
    """An engine for the catalogue (URL resolved by :func:`resolve_database_url`).

    SQLite connections get WAL journaling, foreign keys and a busy timeout, and
    SQLAlchemy emits ``BEGIN`` itself so a write transaction can be ``BEGIN IMMEDIATE``
    (see :func:`write_transaction`). The parent folder of a SQLite file is created.
    """
    resolved = sa.engine.make_url(resolve_database_url(url))
    if resolved.get_backend_name() == "sqlite":
        return _create_sqlite_engine(resolved, sqlite_busy_timeout_s)
    return sa.create_engine(resolved, pool_pre_ping=True)


def _create_sqlite_engine(url: sa.engine.URL, busy_timeout_s: float) -> Engine:
    database = url.database or ""
    guard: SqliteFileGuard | None = None
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        guard = SqliteFileGuard(path)
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_s})
    busy_timeout_ms = int(busy_timeout_s * 1000)
    if guard is not None:
        _GUARDS[engine] = guard
        sa.event.listen(engine, "do_connect", lambda *_: guard.before_connect())
        sa.event.listen(engine, "checkout", lambda *_: guard.verify())

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_MODE_OPTION, "DEFERRED")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


def is_postgresql(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


@contextmanager
def write_transaction(conn: Connection) -> Iterator[Connection]:
    """A transaction that will write: ``BEGIN IMMEDIATE`` on SQLite, a plain one elsewhere.

    Taking SQLite's write lock up front makes a second writer wait (busy timeout) instead
    of failing half-way when it upgrades a read lock. Commits on success, rolls back on error.
    """
    if is_sqlite(conn):
        conn.execution_options(**{_BEGIN_MODE_OPTION: "IMMEDIATE"})
    try:
        with conn.begin():
            yield conn
    finally:
        if is_sqlite(conn):
            conn.execution_options(**{_BEGIN_MODE_OPTION: "DEFERRED"})


def set_sqlite_busy_timeout(conn: Connection, seconds: float) -> None:
    """Change how long this SQLite connection waits for another writer.

    Runs on the driver connection so it neither starts nor needs a transaction.
    """
    conn.connection.driver_connection.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")
