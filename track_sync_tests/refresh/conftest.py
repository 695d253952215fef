"""Fixtures of the refresh tests: a migrated catalogue on every database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from track_sync_assets.store import CatalogueStore


@pytest.fixture
def store(database_url: str) -> Iterator[CatalogueStore]:
    """A migrated, empty catalogue (SQLite, then PostgreSQL)."""
    catalogue = CatalogueStore(database_url, lock_timeout_s=10)
    catalogue.migrate()
    try:
        yield catalogue
    finally:
        catalogue.dispose()
