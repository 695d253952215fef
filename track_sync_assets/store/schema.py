"""The catalogue's tables (SQLAlchemy Core), kept in step with the Alembic migrations.

A test compares a migrated database with this metadata, so a change here without a
migration (or the reverse) fails the suite.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from track_sync_assets.domain import TRACK_FIELDS


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite keeps text without an offset, so values are
    converted to UTC on the way in (a naive value is taken as UTC) and tagged UTC on the
    way out: both dialects return equal, comparable datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive datetime is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

DEFAULT_SOURCE = "liverc"

TRACK_FIELD_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "name": sa.Text(),
    "track_url": sa.Text(),
    "activity": sa.String(16),
    "has_live_video": sa.Boolean(),
    "is_featured": sa.Boolean(),
    "last_updated_text": sa.Text(),
    "latest_event_name": sa.Text(),
    "dashboard_name": sa.Text(),
    "street_address": sa.Text(),
    "city": sa.Text(),
    "state": sa.Text(),
    "postal_code": sa.Text(),
    "country": sa.Text(),
    "country_code": sa.Text(),
    "phone": sa.Text(),
    "phone_e164": sa.Text(),
    "website": sa.Text(),
    "email": sa.Text(),
    "description": sa.Text(),
    "logo_url": sa.Text(),
    "facebook_url": sa.Text(),
    "total_laps": sa.BigInteger(),
    "total_practice_sessions": sa.BigInteger(),
    "total_races": sa.BigInteger(),
    "total_entries": sa.BigInteger(),
    "total_events": sa.BigInteger(),
    "is_live": sa.Boolean(),
    "results_this_month": sa.BigInteger(),
    "sessions_this_month": sa.BigInteger(),
    "videos_this_month": sa.BigInteger(),
    "latitude": sa.Float(),
    "longitude": sa.Float(),
    "geocode_precision": sa.String(16),
    "geocoder": sa.String(32),
}
"""The column type of every synced field of ``domain.TRACK_FIELDS``."""

if set(TRACK_FIELD_TYPES) != set(TRACK_FIELDS):  # pragma: no cover - a programming error
    raise RuntimeError(
        "store.schema.TRACK_FIELD_TYPES is out of step with domain.TRACK_FIELDS: "
        f"{sorted(set(TRACK_FIELD_TYPES) ^ set(TRACK_FIELDS))}"
    )

LIFECYCLE_COLUMNS: tuple[str, ...] = (
    "is_active",
    "first_seen_at",
    "last_seen_at",
    "deactivated_at",
    "created_at",
    "updated_at",
)
FETCH_STATE_COLUMNS: tuple[str, ...] = (
    "dashboard_fetched_at",
    "dashboard_status",
    "dashboard_error",
    "dashboard_etag",
    "dashboard_last_modified",
    "dashboard_content_hash",
    "dashboard_parsed_at",
)
OPERATOR_COLUMNS: tuple[str, ...] = ("operator_notes", "operator_hidden")
"""Edited by people, never written by the sync."""
INSERT_ONLY_COLUMNS: tuple[str, ...] = ("first_seen_at", "created_at")
"""Set when a track is first stored, never updated."""

tracks = sa.Table(
    "tracks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.String(32), nullable=False, server_default=DEFAULT_SOURCE),
    sa.Column("slug_key", sa.String(64), nullable=False, comment="lower(slug): the natural key"),
    sa.Column("slug", sa.String(64), nullable=False, comment="as published"),
    *(sa.Column(name, type_, nullable=name != "name") for name, type_ in TRACK_FIELD_TYPES.items()),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False, comment="last time listed"),
    sa.Column("deactivated_at", UtcDateTime),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Column("dashboard_fetched_at", UtcDateTime, comment="latest fetch attempt"),
    sa.Column("dashboard_status", sa.String(16), comment="a domain.FetchOutcome value"),
    sa.Column("dashboard_error", sa.Text),
    sa.Column("dashboard_etag", sa.Text),
    sa.Column("dashboard_last_modified", sa.Text),
    sa.Column("dashboard_content_hash", sa.String(128)),
    sa.Column("dashboard_parsed_at", UtcDateTime, comment="fetch time of the applied parse"),
    sa.Column("operator_notes", sa.Text),
    sa.Column("operator_hidden", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("source", "slug_key"),
    sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
    sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
)

SYNC_OWNED_COLUMNS: tuple[str, ...] = (
    "slug",
    *TRACK_FIELD_TYPES,
    *LIFECYCLE_COLUMNS,
    *FETCH_STATE_COLUMNS,
)
"""Every column the sync writes (insert-only ones included)."""
UPDATABLE_COLUMNS: tuple[str, ...] = tuple(
    c for c in SYNC_OWNED_COLUMNS if c not in INSERT_ONLY_COLUMNS
)
"""The SET clause of the tracks upsert: never an operator column."""

CHANGE_KINDS = ("added", "updated", "deactivated", "reactivated")

track_changes = sa.Table(
    "track_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id",
        sa.String(128),
        sa.ForeignKey("sync_runs.run_id"),
        nullable=False,
    ),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("slug_key", sa.String(64), nullable=False),
    sa.Column("field", sa.String(64), comment="NULL for an added track's whole record"),
    sa.Column("old_value", sa.Text, comment="JSON"),
    sa.Column("new_value", sa.Text, comment="JSON"),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.CheckConstraint(
        "kind IN ('added', 'updated', 'deactivated', 'reactivated')", name="kind_known"
    ),
    sa.Index(None, "run_id"),
    sa.Index(None, "source", "slug_key"),
)

RUN_STATUSES = ("running", "succeeded", "failed")

sync_runs = sa.Table(
    "sync_runs",
    metadata,
    sa.Column("run_id", sa.String(128), primary_key=True),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("counts", sa.JSON(none_as_null=True)),
    sa.Column("timings", sa.JSON(none_as_null=True)),
    sa.Column("requests", sa.JSON(none_as_null=True)),
    sa.Column("error", sa.Text),
    sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="status_known"),
    sa.Index(None, "started_at"),
)

track_list_snapshots = sa.Table(
    "track_list_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(128)),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("listings", sa.JSON, nullable=False),
    sa.Column(
        "accepted",
        sa.Boolean,
        nullable=False,
        server_default=sa.true(),
        comment="False: refused by the sanity guard (kept, never a baseline)",
    ),
    sa.Column("refusal", sa.Text),
    sa.Index(None, "fetched_at"),
)

dashboard_pages = sa.Table(
    "dashboard_pages",
    metadata,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("slug_key", sa.String(64), primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False),
    sa.Column("url", sa.Text),
    sa.Column("last_outcome", sa.String(16), nullable=False),
    sa.Column("last_status_code", sa.Integer),
    sa.Column("last_reason", sa.Text),
    sa.Column("last_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_attempts", sa.Integer, nullable=False),
    sa.Column("last_run_id", sa.String(128)),
    sa.Column(
        "good_dashboard",
        sa.JSON(none_as_null=True),
        comment="TrackDashboard.to_dict() + discrepancies",
    ),
    sa.Column("good_fetched_at", UtcDateTime),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("content_hash", sa.String(128)),
)

geocode_cache = sa.Table(
    "geocode_cache",
    metadata,
    sa.Column("address_key", sa.Text, primary_key=True, comment="Address.normalized_key()"),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("precision", sa.String(16)),
    sa.Column("geocoder", sa.String(32), nullable=False),
    sa.Column("rejected_reason", sa.Text),
    sa.Column("geocoded_at", UtcDateTime, nullable=False),
)

sync_lease = sa.Table(
    "sync_lease",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("owner_id", sa.String(64), nullable=False),
    sa.Column("owner_kind", sa.String(16), nullable=False),
    sa.Column("owner_pid", sa.Integer),
    sa.Column("owner_host", sa.String(255)),
    sa.Column("description", sa.Text),
    sa.Column("acquired_at", UtcDateTime, nullable=False),
    sa.Column("heartbeat_at", UtcDateTime, nullable=False),
    comment="Who is syncing now: at most one row per lease name (see store/lease.py)",
)

operator_switches = sa.Table(
    "operator_switches",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("changed_by", sa.Text),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    comment="Switches every process sees at once (track-sync scraping off|on)",
)

robots_files = sa.Table(
    "robots_files",
    metadata,
    sa.Column("origin", sa.String(255), primary_key=True),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    comment="Each origin's last robots.txt answer, kept between runs (RFC 9309: up to 24 h)",
)
