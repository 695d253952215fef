"""Opening the Dagster instance safely, also from several commands started at once."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance

from track_sync_assets.store import project_root


def dagster_home() -> Path:
    """``DAGSTER_HOME`` (created if missing), default ``dagster_home/`` of the project."""
    configured = os.environ.get("DAGSTER_HOME", "").strip()
    path = Path(configured) if configured else project_root() / "dagster_home"
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(path)
    return path


@contextmanager
def open_instance() -> Iterator[DagsterInstance]:
    """The instance of ``DAGSTER_HOME``, its storage created or upgraded under a file lock
    so that commands started together never migrate Dagster's storage twice (which left
    two Alembic heads on a fresh SQLite instance)."""
    home = dagster_home()
    with (home / ".track-sync-instance.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            instance = DagsterInstance.get()
            instance.get_run_records(limit=1)  # creates or upgrades the storage now
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    try:
        yield instance
    finally:
        instance.dispose()
