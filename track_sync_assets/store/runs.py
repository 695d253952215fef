"""Sync runs (``sync_runs``) and the change history read back (``track_changes``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.store.changes import ChangeKind, HistoryEntry, decode_value
from track_sync_assets.store.schema import as_utc, sync_runs, track_changes
from track_sync_assets.store.upsert import dialect_insert


class RunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SyncRun:
    """One row of ``sync_runs``."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    counts: dict[str, Any] | None
    timings: dict[str, Any] | None
    requests: dict[str, Any] | None
    error: str | None


def start_run(conn: Connection, run_id: str, started_at: datetime) -> None:
    """Record a run as running (starting it again resets it)."""
    statement = dialect_insert(conn, sync_runs)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["run_id"],
            set_={
                "started_at": statement.excluded.started_at,
                "status": statement.excluded.status,
                "finished_at": None,
                "error": None,
            },
        ),
        {"run_id": run_id, "started_at": as_utc(started_at), "status": RunStatus.RUNNING.value},
    )


def ensure_run(conn: Connection, run_id: str, started_at: datetime) -> None:
    """Create the run's row if it does not exist yet (history rows refer to it)."""
    statement = dialect_insert(conn, sync_runs).on_conflict_do_nothing(index_elements=["run_id"])
    conn.execute(
        statement,
        {"run_id": run_id, "started_at": as_utc(started_at), "status": RunStatus.RUNNING.value},
    )


def merge_run_details(
    conn: Connection,
    run_id: str,
    *,
    started_at: datetime,
    counts: Mapping[str, Any] | None = None,
    timings: Mapping[str, Any] | None = None,
    requests: Mapping[str, Any] | None = None,
) -> None:
    """Merge keys into the run's ``counts``/``timings``/``requests`` (other keys are kept).

    Creates the run if needed. The row is locked (PostgreSQL) or the database is (SQLite
    write transaction) so stages recorded at once by separate processes do not lose keys.
    """
    ensure_run(conn, run_id, started_at)
    columns = (sync_runs.c.counts, sync_runs.c.timings, sync_runs.c.requests)
    row = (
        conn.execute(sa.select(*columns).where(sync_runs.c.run_id == run_id).with_for_update())
        .mappings()
        .one()
    )
    values = {
        name: {**(row[name] or {}), **extra}
        for name, extra in (("counts", counts), ("timings", timings), ("requests", requests))
        if extra
    }
    if values:
        conn.execute(sa.update(sync_runs).where(sync_runs.c.run_id == run_id).values(**values))


def record_stage(
    conn: Connection,
    run_id: str,
    stage: str,
    seconds: float,
    *,
    now: datetime,
    counts: Mapping[str, Any] | None = None,
    requests: Mapping[str, Any] | None = None,
) -> None:
    """Record one stage of a run: ``timings[stage]`` and, if given, ``counts[stage]`` and
    ``requests[stage]``."""
    merge_run_details(
        conn,
        run_id,
        started_at=now,
        timings={stage: round(seconds, 3)},
        counts=None if counts is None else {stage: dict(counts)},
        requests=None if requests is None else {stage: dict(requests)},
    )


def finish_run(
    conn: Connection,
    run_id: str,
    status: RunStatus | str,
    *,
    finished_at: datetime,
    counts: Mapping[str, Any] | None = None,
    timings: Mapping[str, Any] | None = None,
    requests: Mapping[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Record how a run ended; ``None`` mappings keep what is stored (e.g. the sync's counts)."""
    final = RunStatus(status)
    if final is RunStatus.RUNNING:
        raise ValueError("finish_run needs a final status: 'succeeded' or 'failed'")
    values: dict[str, Any] = {
        "run_id": run_id,
        "started_at": as_utc(finished_at),
        "finished_at": as_utc(finished_at),
        "status": final.value,
        "error": error,
    }
    optional = {"counts": counts, "timings": timings, "requests": requests}
    values.update({name: dict(value) for name, value in optional.items() if value is not None})
    statement = dialect_insert(conn, sync_runs)
    updated = [name for name in values if name not in ("run_id", "started_at")]
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["run_id"],
            set_={name: statement.excluded[name] for name in updated},
        ),
        values,
    )


def get_run(conn: Connection, run_id: str) -> SyncRun | None:
    row = conn.execute(sa.select(sync_runs).where(sync_runs.c.run_id == run_id)).mappings().first()
    return None if row is None else _run_from_row(row)


def recent_runs(conn: Connection, limit: int) -> list[SyncRun]:
    """The latest runs, newest first."""
    statement = sa.select(sync_runs).order_by(sync_runs.c.started_at.desc()).limit(limit)
    return [_run_from_row(row) for row in conn.execute(statement).mappings()]


def _run_from_row(row: sa.RowMapping) -> SyncRun:
    return SyncRun(
        run_id=row["run_id"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=RunStatus(row["status"]),
        counts=row["counts"],
        timings=row["timings"],
        requests=row["requests"],
        error=row["error"],
    )


def history(
    conn: Connection, *, run_id: str | None = None, source: str, slug_key: str | None = None
) -> list[HistoryEntry]:
    """History rows of one run and/or one track, in the order they were written."""
    table = track_changes
    statement = sa.select(table).where(table.c.source == source).order_by(table.c.id)
    if run_id is not None:
        statement = statement.where(table.c.run_id == run_id)
    if slug_key is not None:
        statement = statement.where(table.c.slug_key == slug_key.lower())
    return [
        HistoryEntry(
            run_id=row["run_id"],
            source=row["source"],
            slug_key=row["slug_key"],
            field=row["field"],
            old_value=decode_value(row["old_value"]),
            new_value=decode_value(row["new_value"]),
            kind=ChangeKind(row["kind"]),
            changed_at=row["changed_at"],
        )
        for row in conn.execute(statement).mappings()
    ]
