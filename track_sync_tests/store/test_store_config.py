"""Where the catalogue lives and how connections are set up."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from track_sync_assets.environment.store import database_url_from_env
from track_sync_assets.store import (
    CatalogueStore,
    create_catalogue_engine,
    default_database_url,
    normalize_database_url,
    project_root,
    resolve_database_url,
)
from track_sync_assets.store.schema import track_changes


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/tracks", "postgresql+psycopg2://u:p@db:5432/tracks"),
        ("postgres://u@db/tracks", "postgresql+psycopg2://u@db/tracks"),
        ("  postgresql://db/tracks\n", "postgresql+psycopg2://db/tracks"),
        ("postgresql+psycopg2://db/tracks", "postgresql+psycopg2://db/tracks"),
        ("postgresql+psycopg://db/tracks", "postgresql+psycopg://db/tracks"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
    ],
)
def test_postgresql_urls_are_spelled_with_the_installed_driver(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def test_an_empty_url_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        normalize_database_url("  ")


def test_the_url_is_the_one_given_else_the_project_file() -> None:
    assert resolve_database_url("postgres://db/tracks") == "postgresql+psycopg2://db/tracks"
    assert resolve_database_url("sqlite:///given.db") == "sqlite:///given.db"
    assert resolve_database_url() == default_database_url()
    assert resolve_database_url("  ") == default_database_url()
    assert (project_root() / "pyproject.toml").is_file()
    expected = project_root() / "dagster_home" / "track_sync.db"
    assert default_database_url() == f"sqlite:///{expected}"


def test_command_line_tools_read_the_url_from_the_environment() -> None:
    url = "postgres://db/tracks"
    assert database_url_from_env({"TRACK_SYNC_DATABASE_URL": f" {url} "}) == url
    assert database_url_from_env({"TRACK_SYNC_DATABASE_URL": "  "}) is None
    assert database_url_from_env({}) is None


def test_the_lock_timeout_defaults_to_60_seconds(tmp_path: Path) -> None:
    store = CatalogueStore(f"sqlite:///{tmp_path / 'c.db'}", auto_migrate=False)
    try:
        assert store.lock_timeout_s == 60.0
        assert CatalogueStore(engine=store.engine, lock_timeout_s=5).lock_timeout_s == 5.0
    finally:
        store.dispose()


def test_a_sqlite_catalogue_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_catalogue_engine(f"sqlite:///{tmp_path / 'new' / 'folder' / 'c.db'}")
    try:
        with engine.connect() as conn:
            pragmas = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()

    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}
    assert (tmp_path / "new" / "folder" / "c.db").is_file()


def test_history_rows_must_belong_to_a_recorded_run(store: CatalogueStore) -> None:
    orphan = {
        "run_id": "never-started",
        "source": "liverc",
        "slug_key": "alpha",
        "kind": "updated",
        "changed_at": sa.func.now(),
    }

    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(sa.insert(track_changes).values(**orphan))
