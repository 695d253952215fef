"""Operator switches stored in the catalogue: every process sees a change at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from track_sync_assets.store.engine import write_transaction
from track_sync_assets.store.schema import as_utc, operator_switches
from track_sync_assets.store.upsert import dialect_insert

SCRAPING = "scraping"
"""``track-sync scraping off|on``: whether anything may fetch from LiveRC."""


@dataclass(frozen=True, slots=True)
class Switch:
    name: str
    enabled: bool
    reason: str | None
    changed_by: str | None
    changed_at: datetime | None


def read_switch(engine: Engine, name: str) -> Switch:
    """The switch's state; a switch never set is on."""
    with engine.connect() as conn:
        statement = sa.select(operator_switches).where(operator_switches.c.name == name)
        row = conn.execute(statement).mappings().first()
    if row is None:
        return Switch(name, True, None, None, None)
    return Switch(
        name, bool(row["enabled"]), row["reason"], row["changed_by"], as_utc(row["changed_at"])
    )


def set_switch(
    engine: Engine, name: str, enabled: bool, *, reason: str | None, changed_by: str
) -> Switch:
    """Turn a switch on or off (one upsert, committed)."""
    now = datetime.now(UTC)
    values = {
        "name": name,
        "enabled": enabled,
        "reason": reason,
        "changed_by": changed_by,
        "changed_at": now,
    }
    with engine.connect() as conn, write_transaction(conn):
        statement = dialect_insert(conn, operator_switches)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["name"],
                set_={k: statement.excluded[k] for k in values if k != "name"},
            ),
            values,
        )
    return Switch(name, enabled, reason, changed_by, now)
