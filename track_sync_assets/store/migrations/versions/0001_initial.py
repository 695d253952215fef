"""The initial catalogue: tracks, history, sync runs, raw layer, geocode cache.

Revision ID: 0001
Revises:
Create Date: 2026-03-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from track_sync_assets.store.schema import UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _track_field_columns() -> list[sa.Column]:
    """The synced fields as of this revision (frozen here, not read from the live schema)."""
    text = ("last_updated_text", "latest_event_name", "dashboard_name")
    address = ("street_address", "city", "state", "postal_code", "country")
    contact = ("phone", "phone_e164", "website", "email", "description", "logo_url")
    counters = (
        "total_laps",
        "total_practice_sessions",
        "total_races",
        "total_entries",
        "total_events",
    )
    monthly = ("results_this_month", "sessions_this_month", "videos_this_month")
    return [
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("track_url", sa.Text()),
        sa.Column("activity", sa.String(16)),
        sa.Column("has_live_video", sa.Boolean()),
        sa.Column("is_featured", sa.Boolean()),
        *(sa.Column(name, sa.Text()) for name in text),
        *(sa.Column(name, sa.Text()) for name in address),
        sa.Column("country_code", sa.Text()),
        *(sa.Column(name, sa.Text()) for name in contact),
        sa.Column("facebook_url", sa.Text()),
        *(sa.Column(name, sa.BigInteger()) for name in counters),
        sa.Column("is_live", sa.Boolean()),
        *(sa.Column(name, sa.BigInteger()) for name in monthly),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("geocode_precision", sa.String(16)),
        sa.Column("geocoder", sa.String(32)),
    ]


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON()),
        sa.Column("timings", sa.JSON()),
        sa.Column("requests", sa.JSON()),
        sa.Column("error", sa.Text()),
        sa.PrimaryKeyConstraint("run_id", name="pk_sync_runs"),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed')", name="ck_sync_runs_status_known"
        ),
    )
    op.create_index("ix_sync_runs_started_at", "sync_runs", ["started_at"])

    op.create_table(
        "tracks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(32), server_default="liverc", nullable=False),
        sa.Column(
            "slug_key", sa.String(64), nullable=False, comment="lower(slug): the natural key"
        ),
        sa.Column("slug", sa.String(64), nullable=False, comment="as published"),
        *_track_field_columns(),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("first_seen_at", UtcDateTime(), nullable=False),
        sa.Column("last_seen_at", UtcDateTime(), nullable=False, comment="last time listed"),
        sa.Column("deactivated_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("dashboard_fetched_at", UtcDateTime(), comment="latest fetch attempt"),
        sa.Column("dashboard_status", sa.String(16), comment="a domain.FetchOutcome value"),
        sa.Column("dashboard_error", sa.Text()),
        sa.Column("dashboard_etag", sa.Text()),
        sa.Column("dashboard_last_modified", sa.Text()),
        sa.Column("dashboard_content_hash", sa.String(128)),
        sa.Column("dashboard_parsed_at", UtcDateTime(), comment="fetch time of the applied parse"),
        sa.Column("operator_notes", sa.Text()),
        sa.Column("operator_hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tracks"),
        sa.UniqueConstraint("source", "slug_key", name="uq_tracks_source_slug_key"),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="ck_tracks_latitude_range"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="ck_tracks_longitude_range"),
    )

    op.create_table(
        "track_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("slug_key", sa.String(64), nullable=False),
        sa.Column("field", sa.String(64), comment="NULL for an added track's whole record"),
        sa.Column("old_value", sa.Text(), comment="JSON"),
        sa.Column("new_value", sa.Text(), comment="JSON"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_track_changes"),
        sa.ForeignKeyConstraint(
            ["run_id"], ["sync_runs.run_id"], name="fk_track_changes_run_id_sync_runs"
        ),
        sa.CheckConstraint(
            "kind IN ('added', 'updated', 'deactivated', 'reactivated')",
            name="ck_track_changes_kind_known",
        ),
    )
    op.create_index("ix_track_changes_run_id", "track_changes", ["run_id"])
    op.create_index("ix_track_changes_source_slug_key", "track_changes", ["source", "slug_key"])

    op.create_table(
        "track_list_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(128)),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("listings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_track_list_snapshots"),
    )
    op.create_index("ix_track_list_snapshots_fetched_at", "track_list_snapshots", ["fetched_at"])

    op.create_table(
        "dashboard_pages",
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("slug_key", sa.String(64), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("last_outcome", sa.String(16), nullable=False),
        sa.Column("last_status_code", sa.Integer()),
        sa.Column("last_reason", sa.Text()),
        sa.Column("last_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_attempts", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.String(128)),
        sa.Column("good_dashboard", sa.JSON(), comment="TrackDashboard.to_dict() + discrepancies"),
        sa.Column("good_fetched_at", UtcDateTime()),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("content_hash", sa.String(128)),
        sa.PrimaryKeyConstraint("source", "slug_key", name="pk_dashboard_pages"),
    )

    op.create_table(
        "geocode_cache",
        sa.Column("address_key", sa.Text(), nullable=False, comment="Address.normalized_key()"),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("precision", sa.String(16)),
        sa.Column("geocoder", sa.String(32), nullable=False),
        sa.Column("rejected_reason", sa.Text()),
        sa.Column("geocoded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address_key", name="pk_geocode_cache"),
    )


def downgrade() -> None:
    op.drop_table("geocode_cache")
    op.drop_table("dashboard_pages")
    op.drop_index("ix_track_list_snapshots_fetched_at", table_name="track_list_snapshots")
    op.drop_table("track_list_snapshots")
    op.drop_index("ix_track_changes_source_slug_key", table_name="track_changes")
    op.drop_index("ix_track_changes_run_id", table_name="track_changes")
    op.drop_table("track_changes")
    op.drop_table("tracks")
    op.drop_index("ix_sync_runs_started_at", table_name="sync_runs")
    op.drop_table("sync_runs")
