"""robots.txt answers kept between runs (the client decides what to keep and for how long)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.store.schema import as_utc, robots_files
from track_sync_assets.store.upsert import dialect_insert

COLUMNS = ("status_code", "body", "etag", "last_modified", "fetched_at")


def load_robots(conn: Connection) -> dict[str, dict[str, Any]]:
    """Origin -> its stored answer (the columns of :data:`COLUMNS`)."""
    rows = conn.execute(sa.select(robots_files)).mappings()
    return {
        row["origin"]: {**{c: row[c] for c in COLUMNS}, "fetched_at": as_utc(row["fetched_at"])}
        for row in rows
    }


def save_robots(conn: Connection, answers: Mapping[str, Mapping[str, Any]]) -> int:
    """Insert or replace the answers of these origins; returns how many were written."""
    rows: Iterable[dict[str, Any]] = [
        {"origin": origin, **{c: answer[c] for c in COLUMNS}} for origin, answer in answers.items()
    ]
    rows = list(rows)
    if not rows:
        return 0
    statement = dialect_insert(conn, robots_files)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["origin"], set_={c: statement.excluded[c] for c in COLUMNS}
        ),
        rows,
    )
    return len(rows)
