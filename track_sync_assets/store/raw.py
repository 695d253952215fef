"""The raw layer: what was fetched, kept in the database so every machine sees it.

* Track list snapshots: each fetched and parsed list, whole.
* Dashboard pages: per track, the latest ATTEMPT and the latest GOOD parse, plus the
  validators (ETag, Last-Modified, content hash) to send with the next request. An OK fetch
  replaces the good parse and validators; NOT_MODIFIED refreshes the validators and the
  attempt but keeps the parse; FAILED, DISALLOWED and GONE record the attempt only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.domain import (
    Activity,
    DashboardFetch,
    FetchOutcome,
    TrackDashboard,
    TrackListing,
    Validators,
)
from track_sync_assets.store.schema import as_utc, dashboard_pages, track_list_snapshots
from track_sync_assets.store.upsert import dedupe_by_key, select_where_in, upsert_rows

_LISTING_FIELDS = frozenset(field.name for field in dataclasses.fields(TrackListing))


@dataclass(frozen=True, slots=True)
class TrackListSnapshot:
    """One fetched and parsed track list."""

    id: int
    run_id: str | None
    fetched_at: datetime
    row_count: int
    listings: tuple[TrackListing, ...]
    refusal: str | None = None
    """Why the sanity guard refused it (``None``: accepted)."""


@dataclass(frozen=True, slots=True)
class DashboardState:
    """What the raw layer knows about one track's dashboard."""

    slug: str
    last_outcome: FetchOutcome
    last_reason: str | None
    last_attempt_at: datetime
    last_status_code: int | None
    last_attempts: int
    last_run_id: str | None
    dashboard: TrackDashboard | None
    """The latest good parse (kept through failures and 304s); None if never parsed."""
    good_fetched_at: datetime | None
    validators: Validators
    """What to send next time (If-None-Match / If-Modified-Since / content hash)."""

    @property
    def slug_key(self) -> str:
        return self.slug.lower()


def listing_to_json(listing: TrackListing) -> dict[str, Any]:
    return listing.to_dict()


def listing_from_json(data: dict[str, Any]) -> TrackListing:
    """Inverse of :func:`listing_to_json` (unknown keys are ignored)."""
    values = {key: value for key, value in data.items() if key in _LISTING_FIELDS}
    values["activity"] = Activity(values["activity"])
    return TrackListing(**values)


def dashboard_to_json(dashboard: TrackDashboard) -> dict[str, Any]:
    """``TrackDashboard.to_dict()`` plus its discrepancies."""
    data = dashboard.to_dict()
    data["discrepancies"] = list(dashboard.discrepancies)
    return data


def dashboard_from_json(data: dict[str, Any]) -> TrackDashboard:
    return TrackDashboard.from_dict(data)


# --- Track list snapshots. ---


def save_track_list(
    conn: Connection,
    run_id: str | None,
    listings: Sequence[TrackListing],
    fetched_at: datetime,
    *,
    refusal: str | None = None,
) -> int:
    """Store a parsed track list; returns the snapshot id. A list with a ``refusal`` (the
    sanity guard's verdict) is kept for inspection but never becomes the latest list."""
    result = conn.execute(
        sa.insert(track_list_snapshots).returning(track_list_snapshots.c.id),
        {
            "run_id": run_id,
            "fetched_at": as_utc(fetched_at),
            "row_count": len(listings),
            "listings": [listing_to_json(listing) for listing in listings],
            "accepted": refusal is None,
            "refusal": refusal,
        },
    )
    return int(result.scalar_one())


def latest_track_list(
    conn: Connection, *, include_refused: bool = False
) -> TrackListSnapshot | None:
    """The most recently fetched accepted snapshot (latest ``fetched_at``, then latest id);
    with ``include_refused``, the most recent one whatever the guard said."""
    table = track_list_snapshots
    statement = sa.select(table).order_by(table.c.fetched_at.desc(), table.c.id.desc())
    if not include_refused:
        statement = statement.where(table.c.accepted.is_(sa.true()))
    row = conn.execute(statement).mappings().first()
    if row is None:
        return None
    return TrackListSnapshot(
        id=row["id"],
        run_id=row["run_id"],
        fetched_at=row["fetched_at"],
        row_count=row["row_count"],
        listings=tuple(listing_from_json(item) for item in row["listings"]),
        refusal=row["refusal"],
    )


# --- Dashboard pages. ---

_ATTEMPT_COLUMNS = (
    "slug",
    "url",
    "last_outcome",
    "last_status_code",
    "last_reason",
    "last_attempt_at",
    "last_attempts",
    "last_run_id",
)
_VALIDATOR_COLUMNS = ("etag", "last_modified", "content_hash")
_GOOD_COLUMNS = ("good_dashboard", "good_fetched_at")


def _fetch_row(source: str, run_id: str | None, fetch: DashboardFetch) -> dict[str, Any]:
    ok = fetch.outcome is FetchOutcome.OK
    if ok and fetch.dashboard is None:
        raise ValueError(f"dashboard fetch for {fetch.slug!r} is OK but carries no dashboard")
    return {
        "source": source,
        "slug_key": fetch.slug_key,
        "slug": fetch.slug,
        "url": fetch.url,
        "last_outcome": FetchOutcome(fetch.outcome).value,
        "last_status_code": fetch.status_code,
        "last_reason": fetch.reason,
        "last_attempt_at": as_utc(fetch.fetched_at),
        "last_attempts": fetch.attempts,
        "last_run_id": run_id,
        "good_dashboard": dashboard_to_json(fetch.dashboard) if ok and fetch.dashboard else None,
        "good_fetched_at": as_utc(fetch.fetched_at) if ok else None,
        "etag": fetch.validators.etag,
        "last_modified": fetch.validators.last_modified,
        "content_hash": fetch.validators.content_hash,
    }


def _is_not_older(table: sa.Table, excluded: Any) -> sa.ColumnElement[bool]:
    return excluded.last_attempt_at >= table.c.last_attempt_at


def record_dashboard_fetches(
    conn: Connection,
    source: str,
    run_id: str | None,
    fetches: Sequence[DashboardFetch],
    *,
    batch_size: int,
) -> int:
    """Record fetch outcomes in bulk; returns the number of tracks recorded.

    One row per track (the last fetch given for a slug wins). An attempt older than the
    stored one changes nothing.
    """
    rows = dedupe_by_key(
        (_fetch_row(source, run_id, fetch) for fetch in fetches), ("source", "slug_key")
    )
    by_outcome: dict[str, list[dict[str, Any]]] = {"ok": [], "not_modified": [], "other": []}
    for row in rows:
        outcome = row["last_outcome"]
        group = outcome if outcome in ("ok", "not_modified") else "other"
        if group == "other":  # a failure neither brings nor changes validators
            row = {**row, "etag": None, "last_modified": None, "content_hash": None}
        by_outcome[group].append(row)
    update_columns = {
        "ok": (*_ATTEMPT_COLUMNS, *_GOOD_COLUMNS, *_VALIDATOR_COLUMNS),
        "not_modified": (*_ATTEMPT_COLUMNS, *_VALIDATOR_COLUMNS),
        "other": _ATTEMPT_COLUMNS,
    }
    for group, group_rows in by_outcome.items():
        upsert_rows(
            conn,
            dashboard_pages,
            group_rows,
            key_columns=("source", "slug_key"),
            update_columns=update_columns[group],
            batch_size=batch_size,
            only_if=_is_not_older,
        )
    return len(rows)


def _state_from_row(row: sa.RowMapping) -> DashboardState:
    good = row["good_dashboard"]
    return DashboardState(
        slug=row["slug"],
        last_outcome=FetchOutcome(row["last_outcome"]),
        last_reason=row["last_reason"],
        last_attempt_at=row["last_attempt_at"],
        last_status_code=row["last_status_code"],
        last_attempts=row["last_attempts"],
        last_run_id=row["last_run_id"],
        dashboard=dashboard_from_json(good) if good is not None else None,
        good_fetched_at=row["good_fetched_at"],
        validators=Validators(
            etag=row["etag"], last_modified=row["last_modified"], content_hash=row["content_hash"]
        ),
    )


def _select_pages(
    conn: Connection, source: str, slug_keys: Iterable[str] | None, *columns: sa.Column[Any]
) -> list[sa.RowMapping]:
    statement = sa.select(*columns).where(dashboard_pages.c.source == source)
    if slug_keys is None:
        return list(conn.execute(statement).mappings())
    keys = sorted({key.lower() for key in slug_keys})
    return select_where_in(conn, statement, dashboard_pages.c.slug_key, keys)


def dashboard_states(
    conn: Connection, source: str, slug_keys: Iterable[str] | None = None
) -> dict[str, DashboardState]:
    """States by slug key, for ``slug_keys`` (any case) or every recorded track."""
    rows = _select_pages(conn, source, slug_keys, *dashboard_pages.c)
    return {row["slug_key"]: _state_from_row(row) for row in rows}


def dashboard_validators(
    conn: Connection, source: str, slug_keys: Iterable[str] | None = None
) -> dict[str, Validators]:
    """Validators to send next time, by slug key (tracks never fetched are absent)."""
    columns = [dashboard_pages.c[name] for name in ("slug_key", *_VALIDATOR_COLUMNS)]
    rows = _select_pages(conn, source, slug_keys, *columns)
    return {
        row["slug_key"]: Validators(
            etag=row["etag"], last_modified=row["last_modified"], content_hash=row["content_hash"]
        )
        for row in rows
    }
