"""Alembic environment for the catalogue.

Programmatic use (``store.migrate.upgrade_to_head``) hands over an open connection inside
a transaction via ``config.attributes["connection"]``. The ``alembic`` CLI (with
``migrations/alembic.ini``) connects to ``sqlalchemy.url`` when the ini sets one, else to
``TRACK_SYNC_DATABASE_URL`` (read by :mod:`track_sync_assets.environment.store`), else to
the default file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from track_sync_assets.environment.store import database_url_from_env
from track_sync_assets.store.engine import (
    create_catalogue_engine,
    resolve_database_url,
    write_transaction,
)
from track_sync_assets.store.schema import metadata

config = context.config


def _url() -> str:
    """The database the alembic command line works on."""
    return resolve_database_url(config.get_main_option("sqlalchemy.url") or database_url_from_env())


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_catalogue_engine(_url())
    try:
        with engine.connect() as conn, write_transaction(conn):
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
