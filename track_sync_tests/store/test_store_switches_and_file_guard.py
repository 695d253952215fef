"""Operator switches every process sees, refused lists, and a catalogue that cannot vanish."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.errors import CatalogueUnavailable
from track_sync_assets.store.switches import SCRAPING
from track_sync_tests.store.store_factories import listing


def test_a_switch_never_set_is_on_and_a_change_is_seen_by_another_process(
    store: CatalogueStore,
) -> None:
    other = CatalogueStore(store.engine.url)
    try:
        assert store.switch(SCRAPING).enabled
        store.set_switch(SCRAPING, False, reason="LiveRC asked us to pause", changed_by="ops")

        seen = other.switch(SCRAPING)
        assert not seen.enabled
        assert seen.reason == "LiveRC asked us to pause" and seen.changed_by == "ops"
        store.set_switch(SCRAPING, True, reason=None, changed_by="ops")
        assert other.switch(SCRAPING).enabled
    finally:
        other.dispose()


def test_a_refused_list_is_kept_but_never_becomes_the_latest_list(store: CatalogueStore) -> None:
    good = [listing("alpha"), listing("bravo")]
    store.save_track_list("run-1", good, datetime(2026, 1, 1, tzinfo=UTC))
    store.save_track_list(
        "run-2", good[:1], datetime(2026, 1, 2, tzinfo=UTC), refusal="only 50 % listed"
    )

    assert store.latest_track_list().run_id == "run-1"  # type: ignore[union-attr]
    refused = store.latest_track_list(include_refused=True)
    assert refused is not None and refused.refusal == "only 50 % listed"


def test_a_missing_sqlite_catalogue_is_created_only_by_migrate(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.db"
    store = CatalogueStore(f"sqlite:///{path}", auto_migrate=False)
    try:
        with pytest.raises(CatalogueUnavailable, match="does not exist"):
            store.track_count()
        assert not path.exists()
        store.migrate()
        assert store.track_count() == 0
    finally:
        store.dispose()


def test_a_sqlite_catalogue_removed_while_in_use_fails_loudly_and_is_not_recreated(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    store = CatalogueStore(f"sqlite:///{folder / 'catalogue.db'}")
    try:
        store.migrate()
        store.save_track_list("run-1", [listing("alpha")], datetime(2026, 1, 1, tzinfo=UTC))
        for leftover in folder.iterdir():
            os.remove(leftover)
        folder.rmdir()

        with pytest.raises(CatalogueUnavailable, match="removed while in use"):
            store.save_track_list("run-2", [listing("alpha")], datetime.now(UTC))
        assert not folder.exists()
    finally:
        store.dispose()
