"""Apply the Alembic migrations programmatically, idempotently and one process at a time."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from track_sync_assets.store.engine import is_postgresql, write_transaction
from track_sync_assets.store.lock import advisory_key

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK_KEY = advisory_key("track_sync.store.migrate")


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> bool:
    """Migrate the database to the latest revision; True when something was applied.

    A database already at head costs one query. Otherwise the upgrade runs in one
    transaction: on PostgreSQL behind an advisory lock (a second process waits, then finds
    the schema at head), on SQLite behind ``BEGIN IMMEDIATE``.
    """
    head = head_revision()
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return False
    with engine.connect() as conn, write_transaction(conn):
        if is_postgresql(conn):
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        if current_revision(conn) == head:
            return False
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return True
