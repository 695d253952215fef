"""Alembic migrations: automatic, idempotent, in step with the schema, safe in parallel."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.migrate import head_revision
from track_sync_assets.store.schema import metadata


def test_migrate_creates_the_schema_once_and_is_idempotent(database_url: str) -> None:
    store = CatalogueStore(database_url, auto_migrate=False)
    try:
        assert store.migrate() is True
        assert store.migrate() is False
        with store.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            revision = MigrationContext.configure(conn).get_current_revision()
        assert {table.name for table in metadata.sorted_tables} <= tables
        assert revision == head_revision()
    finally:
        store.dispose()


def test_the_migrated_database_matches_the_declared_tables(store: CatalogueStore) -> None:
    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    assert differences == []


def test_a_store_migrates_on_first_use(database_url: str) -> None:
    store = CatalogueStore(database_url)
    try:
        assert store.track_count() == 0
    finally:
        store.dispose()


def test_two_processes_migrating_at_once_both_succeed_and_migrate_once(
    database_url: str,
) -> None:
    stores = [CatalogueStore(database_url, auto_migrate=False) for _ in range(2)]
    start = threading.Barrier(2)
    applied: list[bool] = []
    errors: list[BaseException] = []

    def migrate(store: CatalogueStore) -> None:
        try:
            start.wait(timeout=10)
            applied.append(store.migrate())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(store,)) for store in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for store in stores:
            store.dispose()

    assert errors == []
    assert sorted(applied) == [False, True]
