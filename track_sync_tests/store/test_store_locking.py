"""Two syncs never interleave: the second waits for the lock or refuses clearly."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from store_factories import day, listings

from track_sync_assets.store import CatalogueStore, SyncInProgress, SyncResult, sync

SLUGS = [f"track{i:02d}" for i in range(40)]


def test_a_sync_refuses_with_sync_in_progress_while_another_holds_the_lock(
    store: CatalogueStore, database_url: str
) -> None:
    impatient = CatalogueStore(database_url, lock_timeout_s=0.2)
    try:
        with store.sync_lock(), pytest.raises(SyncInProgress, match=r"0\.2 s"):
            impatient.apply_sync("run-2", listings(*SLUGS), now=day(0))

        assert impatient.track_count() == 0
        result = impatient.apply_sync("run-2", listings(*SLUGS), now=day(0))
        assert result.counts["added"] == len(SLUGS)
    finally:
        impatient.dispose()


def test_two_concurrent_syncs_are_serialized(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_plan_sync = sync.plan_sync

    def slow_plan_sync(*args: Any, **kwargs: Any) -> sync.SyncPlan:
        time.sleep(0.15)  # widen the window between reading and writing
        return real_plan_sync(*args, **kwargs)

    monkeypatch.setattr(sync, "plan_sync", slow_plan_sync)
    stores = [CatalogueStore(database_url, lock_timeout_s=20) for _ in range(2)]
    stores[0].migrate()
    start = threading.Barrier(2)
    results: list[SyncResult] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            start.wait(timeout=10)
            results.append(stores[index].apply_sync(f"run-{index}", listings(*SLUGS), now=day(0)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        for each in stores:
            each.dispose()

    assert errors == []
    added = sorted(result.counts["added"] for result in results)
    unchanged = sorted(result.counts["unchanged"] for result in results)
    assert added == [0, len(SLUGS)]
    assert unchanged == [0, len(SLUGS)]
