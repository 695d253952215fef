"""One transaction per sync: an error anywhere leaves the database exactly as before."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from store_factories import dashboard, day, fetched, listing, listings

from track_sync_assets.store import CatalogueStore, upsert
from track_sync_assets.store.schema import metadata

SLUGS = [f"track{i:02d}" for i in range(12)]


def _snapshot(store: CatalogueStore) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in a stable order."""
    with store.engine.connect() as conn:
        return {
            table.name: sorted(
                (dict(row) for row in conn.execute(sa.select(table)).mappings()), key=repr
            )
            for table in metadata.sorted_tables
        }


def _seed(store: CatalogueStore) -> None:
    store.apply_sync("run-1", listings(*SLUGS), {s: fetched(s, day(0)) for s in SLUGS}, now=day(0))


def _next_day() -> dict[str, Any]:
    return {
        "listings": [listing(s, name=f"{s} renamed") for s in SLUGS[:-1]],
        "dashboards": {s: fetched(s, day(1), dashboard(s, city="Elsewhere")) for s in SLUGS},
    }


def test_a_constraint_violation_in_a_later_batch_leaves_the_database_as_before(
    database_url: str,
) -> None:
    store = CatalogueStore(database_url, batch_size=3)
    try:
        _seed(store)
        before = _snapshot(store)
        inputs = _next_day()
        inputs["listings"][10] = listing(SLUGS[10], name=None)  # NOT NULL, in the 4th batch

        with pytest.raises(sa.exc.IntegrityError):
            store.apply_sync("run-2", inputs["listings"], inputs["dashboards"], now=day(1))

        assert _snapshot(store) == before
    finally:
        store.dispose()


def test_an_error_after_the_first_batch_leaves_the_database_as_before(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CatalogueStore(database_url, batch_size=4)
    try:
        _seed(store)
        before = _snapshot(store)
        real_execute_batch = upsert.execute_batch
        calls: list[int] = []

        def failing_after_the_first_batch(*args: Any) -> None:
            calls.append(1)
            if len(calls) > 1:
                raise RuntimeError("connection lost in batch 2")
            real_execute_batch(*args)

        monkeypatch.setattr(upsert, "execute_batch", failing_after_the_first_batch)
        inputs = _next_day()

        with pytest.raises(RuntimeError, match="batch 2"):
            store.apply_sync("run-2", inputs["listings"], inputs["dashboards"], now=day(1))

        assert len(calls) == 2
        assert _snapshot(store) == before
        monkeypatch.setattr(upsert, "execute_batch", real_execute_batch)
        result = store.apply_sync("run-2", inputs["listings"], inputs["dashboards"], now=day(1))
        # The departing track's fetched dashboard reaches its now inactive row too.
        assert result.counts["updated"] == len(SLUGS)
        assert result.deactivated == (SLUGS[-1],)
        assert [c.slug for c in result.changes if c.departed] == [SLUGS[-1]]
    finally:
        store.dispose()


def test_a_bulk_write_refuses_rows_that_carry_different_columns(store: CatalogueStore) -> None:
    from track_sync_assets.store.schema import geocode_cache

    rows = [
        {"address_key": "a", "latitude": 1.0, "geocoder": "offline", "geocoded_at": day(0)},
        {"address_key": "b", "geocoder": "offline", "geocoded_at": day(0)},
    ]

    with store.engine.begin() as conn, pytest.raises(ValueError, match="same columns"):
        upsert.upsert_rows(
            conn,
            geocode_cache,
            rows,
            key_columns=["address_key"],
            update_columns=["latitude", "geocoder", "geocoded_at"],
        )
