"""The sync lock: two syncs of the catalogue never interleave.

PostgreSQL: a transaction-scoped advisory lock, polled with ``pg_try_advisory_xact_lock``
until a timeout; it is released by the commit or rollback. SQLite: the sync transaction is
``BEGIN IMMEDIATE`` (SQLite's single write lock), waited for through the busy timeout.
Either way a sync that cannot get the lock in time raises :class:`SyncInProgress`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.store.engine import (
    SQLITE_BUSY_TIMEOUT_S,
    is_sqlite,
    set_sqlite_busy_timeout,
    write_transaction,
)
from track_sync_assets.store.errors import SyncInProgress

_POLL_INTERVAL_S = 0.05


def advisory_key(name: str) -> int:
    """A stable signed 64-bit PostgreSQL advisory lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


SYNC_LOCK_KEY = advisory_key("track_sync.store.sync")


@contextmanager
def sync_transaction(conn: Connection, timeout_s: float) -> Iterator[Connection]:
    """A write transaction holding the sync lock; commits on success, rolls back on error.

    Raises :class:`SyncInProgress` when another sync holds the lock for ``timeout_s``.
    """
    if is_sqlite(conn):
        with _sqlite_sync_transaction(conn, timeout_s):
            yield conn
        return
    with write_transaction(conn):
        _acquire_advisory_lock(conn, timeout_s)
        yield conn


@contextmanager
def _sqlite_sync_transaction(conn: Connection, timeout_s: float) -> Iterator[None]:
    began = False
    set_sqlite_busy_timeout(conn, timeout_s)
    try:
        with write_transaction(conn):
            began = True
            set_sqlite_busy_timeout(conn, SQLITE_BUSY_TIMEOUT_S)
            yield
    except sa.exc.OperationalError as exc:
        if began or not _is_lock_error(exc):
            raise
        raise SyncInProgress(
            f"another sync (or writer) held the SQLite catalogue for {timeout_s:g} s"
        ) from exc
    finally:
        set_sqlite_busy_timeout(conn, SQLITE_BUSY_TIMEOUT_S)


def _is_lock_error(exc: sa.exc.OperationalError) -> bool:
    message = str(exc.orig).lower()
    return "locked" in message or "busy" in message


def _acquire_advisory_lock(conn: Connection, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    statement = sa.select(sa.func.pg_try_advisory_xact_lock(SYNC_LOCK_KEY))
    while not conn.execute(statement).scalar_one():
        if time.monotonic() >= deadline:
            raise SyncInProgress(f"another sync held the catalogue's sync lock for {timeout_s:g} s")
        time.sleep(_POLL_INTERVAL_S)
