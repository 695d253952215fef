"""What the refresh plan needs per track, read from the catalogue in two queries.

Read-only. Per track: the last successful dashboard fetch (``dashboard_pages``: the latest
attempt when it was a 200 or a 304, else the latest good parse), the latest outcome, and
since when it has been off the list (``tracks.deactivated_at``). See docs/refresh.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.domain import FetchOutcome
from track_sync_assets.store.schema import dashboard_pages, tracks

_SUCCESS = (FetchOutcome.OK, FetchOutcome.NOT_MODIFIED)


@dataclass(frozen=True, slots=True)
class RefreshInput:
    """The stored state of one track, as the refresh plan reads it."""

    slug: str
    last_outcome: FetchOutcome | None
    """The latest dashboard attempt's outcome; None: never attempted."""
    last_attempt_at: datetime | None
    good_fetched_at: datetime | None
    """When the latest good parse was fetched (kept through 304s and failures)."""
    in_catalogue: bool
    """False for a track fetched but never written to ``tracks`` (its sync failed)."""
    is_active: bool
    """Listed at the catalogue's last update (False when not in the catalogue)."""
    off_list_since: datetime | None
    """``deactivated_at`` of an inactive track; None for an active one."""

    @property
    def slug_key(self) -> str:
        return self.slug.lower()

    @property
    def last_success_at(self) -> datetime | None:
        """The last 200 or 304 (a 304 confirms the stored parse); None: never."""
        if self.last_outcome in _SUCCESS and self.good_fetched_at is not None:
            return self.last_attempt_at
        return self.good_fetched_at

    @property
    def last_attempt_failed(self) -> bool:
        """The latest attempt failed (404, robots.txt and 304 are not failures)."""
        return self.last_outcome is FetchOutcome.FAILED


def refresh_inputs(conn: Connection, source: str) -> dict[str, RefreshInput]:
    """Every track of ``source`` known to the catalogue or the raw layer, by slug key."""
    pages = dashboard_pages.c
    joined = tracks.outerjoin(
        dashboard_pages,
        sa.and_(pages.source == tracks.c.source, pages.slug_key == tracks.c.slug_key),
    )
    catalogued = sa.select(
        tracks.c.slug_key, tracks.c.slug, tracks.c.is_active, tracks.c.deactivated_at,
        tracks.c.last_seen_at, pages.last_outcome, pages.last_attempt_at, pages.good_fetched_at,
    ).select_from(joined).where(tracks.c.source == source)  # fmt: skip
    found: dict[str, RefreshInput] = {}
    for row in conn.execute(catalogued).mappings():
        off_since = None if row["is_active"] else row["deactivated_at"] or row["last_seen_at"]
        found[row["slug_key"]] = _input(row, in_catalogue=True, active=row["is_active"],
                                        off_since=off_since)  # fmt: skip
    only_fetched = sa.select(
        pages.slug_key, pages.slug, pages.last_outcome, pages.last_attempt_at, pages.good_fetched_at
    ).where(
        pages.source == source,
        ~sa.exists().where(tracks.c.source == source, tracks.c.slug_key == pages.slug_key),
    )
    for row in conn.execute(only_fetched).mappings():
        found[row["slug_key"]] = _input(row, in_catalogue=False, active=False, off_since=None)
    return found


def _input(
    row: sa.RowMapping, *, in_catalogue: bool, active: bool, off_since: datetime | None
) -> RefreshInput:
    outcome = row["last_outcome"]
    return RefreshInput(
        slug=row["slug"],
        last_outcome=FetchOutcome(outcome) if outcome is not None else None,
        last_attempt_at=row["last_attempt_at"],
        good_fetched_at=row["good_fetched_at"],
        in_catalogue=in_catalogue,
        is_active=bool(active),
        off_list_since=off_since,
    )
