"""The sync lease: one holder at a time, atomically; a dead holder is replaced."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.lease import LeaseOwner
from track_sync_assets.store.schema import sync_lease


def test_a_free_lease_is_taken_and_a_second_owner_is_refused_with_the_holder_named(
    store: CatalogueStore,
) -> None:
    first = LeaseOwner("cli", "track-sync sync")
    second = LeaseOwner("cli", "track-sync refetch")

    assert store.try_acquire_lease(first).acquired
    refused = store.try_acquire_lease(second)

    assert not refused.acquired
    assert refused.holder is not None and refused.holder.owner_id == first.owner_id
    assert "track-sync sync" in refused.holder.describe()


def test_the_holder_and_the_owners_it_accepts_re_enter_the_lease(store: CatalogueStore) -> None:
    command = LeaseOwner("cli", "track-sync sync")
    step = LeaseOwner("run", "track_dashboards of a run the command started")
    assert store.try_acquire_lease(command).acquired

    assert store.try_acquire_lease(command).acquired
    assert store.try_acquire_lease(step, accept_owner_ids=frozenset({command.owner_id})).acquired
    assert store.lease_holder().owner_id == command.owner_id  # type: ignore[union-attr]


def test_a_released_lease_is_free_and_only_its_owner_can_release_it(
    store: CatalogueStore,
) -> None:
    owner, other = LeaseOwner("cli", "a"), LeaseOwner("cli", "b")
    store.try_acquire_lease(owner)

    assert store.release_lease(other.owner_id) is False
    assert store.release_lease(owner.owner_id) is True
    assert store.lease_holder() is None
    assert store.try_acquire_lease(other).acquired


def test_a_holder_whose_process_is_gone_from_this_machine_is_replaced_at_once(
    store: CatalogueStore,
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.try_acquire_lease(LeaseOwner("cli", "killed sync", pid=dead.pid))

    attempt = store.try_acquire_lease(LeaseOwner("cli", "next sync"))

    assert attempt.acquired
    assert attempt.replaced is not None and attempt.replaced.owner_pid == dead.pid
    assert "no longer exists" in (attempt.replaced_because or "")


def test_a_holder_on_another_host_is_replaced_only_when_its_heartbeat_is_stale(
    store: CatalogueStore,
) -> None:
    remote = LeaseOwner("run", "a run on another machine", pid=1, host="elsewhere.example")
    store.try_acquire_lease(remote)
    assert not store.try_acquire_lease(LeaseOwner("cli", "local")).acquired

    with store.engine.begin() as conn:
        conn.execute(
            sa.update(sync_lease).values(heartbeat_at=datetime.now(UTC) - timedelta(minutes=10))
        )
    attempt = store.try_acquire_lease(LeaseOwner("cli", "local"), stale_after_s=300)

    assert attempt.acquired and "no heartbeat" in (attempt.replaced_because or "")


def test_a_heartbeat_keeps_a_lease_alive_and_fails_once_it_was_taken_over(
    store: CatalogueStore,
) -> None:
    owner = LeaseOwner("run", "slow", pid=1, host="elsewhere.example")
    store.try_acquire_lease(owner)
    assert store.heartbeat_lease(owner.owner_id)

    with store.engine.begin() as conn:
        conn.execute(sa.update(sync_lease).values(heartbeat_at=datetime(2020, 1, 1, tzinfo=UTC)))
    assert store.try_acquire_lease(LeaseOwner("cli", "next"), stale_after_s=60).acquired
    assert store.heartbeat_lease(owner.owner_id) is False


def test_of_many_owners_racing_for_a_free_lease_exactly_one_wins(database_url: str) -> None:
    stores = [CatalogueStore(database_url, lock_timeout_s=10) for _ in range(6)]
    stores[0].migrate()
    start = threading.Barrier(len(stores))
    results: list[bool] = []

    def race(store: CatalogueStore) -> None:
        start.wait(timeout=10)
        results.append(store.try_acquire_lease(LeaseOwner("cli", "racer")).acquired)

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for store in stores:
            store.dispose()

    assert sorted(results) == [False] * (len(stores) - 1) + [True]
