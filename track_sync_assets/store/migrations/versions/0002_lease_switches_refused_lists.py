"""The sync lease, operator switches, robots.txt kept between runs, refused lists apart.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from track_sync_assets.store.schema import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("track_list_snapshots") as batch:
        batch.add_column(
            sa.Column(
                "accepted",
                sa.Boolean,
                nullable=False,
                server_default=sa.true(),
                comment="False: refused by the sanity guard (kept, never a baseline)",
            )
        )
        batch.add_column(sa.Column("refusal", sa.Text))
    op.create_table(
        "sync_lease",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("owner_id", sa.String(64), nullable=False),
        sa.Column("owner_kind", sa.String(16), nullable=False),
        sa.Column("owner_pid", sa.Integer),
        sa.Column("owner_host", sa.String(255)),
        sa.Column("description", sa.Text),
        sa.Column("acquired_at", UtcDateTime, nullable=False),
        sa.Column("heartbeat_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sync_lease"),
        comment="Who is syncing now: at most one row per lease name (see store/lease.py)",
    )
    op.create_table(
        "operator_switches",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("changed_by", sa.Text),
        sa.Column("changed_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_operator_switches"),
        comment="Switches every process sees at once (track-sync scraping off|on)",
    )

    op.create_table(
        "robots_files",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("fetched_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("origin", name="pk_robots_files"),
        comment="Each origin's last robots.txt answer, kept between runs (RFC 9309: up to 24 h)",
    )


def downgrade() -> None:
    op.drop_table("robots_files")
    op.drop_table("operator_switches")
    op.drop_table("sync_lease")
    with op.batch_alter_table("track_list_snapshots") as batch:
        batch.drop_column("refusal")
        batch.drop_column("accepted")
