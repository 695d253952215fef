"""Every way an operator starts a whole sync runs its chain once (issue 9): the jobs page's
launch of track_list_job, a schedule tick (skipped while another whole sync is under way), and
``track-sync sync``/``refetch`` run alongside the daemon.

One deployment (webserver + daemon + simulator, the schedule ticking every minute while a test
starts it) serves the module; the tests run in file order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from track_sync_assets.defs.tags import LEASE_TAG
from track_sync_assets.simulator.faults import FaultSpec
from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.lease import LeaseOwner
from track_sync_tests.e2e.conftest import Deployment
from track_sync_tests.e2e.launching import (
    BROKEN_AT,
    MAX_ATTEMPTS,
    assert_no_overlapping_sync_steps,
    assert_plan_chain,
    launch_deployment,
    track_sync,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("launch_chains")
    with launch_deployment(root, schedule_cron="* * * * *") as deployment:
        yield deployment


def test_the_jobs_page_launch_of_track_list_job_runs_the_chain_once(
    deployment: Deployment,
) -> None:
    deployment.simulator.set_day(4)

    mark = deployment.mark()
    deployment.materialize(["liverc_track_list"], job="track_list_job")
    outcome = deployment.settle(mark)

    assert_plan_chain(deployment, outcome, "track_list_job")
    assert_no_overlapping_sync_steps(deployment)


def test_the_schedule_tick_runs_the_chain_once(deployment: Deployment) -> None:
    deployment.simulator.set_day(7)
    mark = deployment.mark()
    deployment.set_schedule(True)
    try:
        (first,) = deployment.wait_for_runs(mark, 1, timeout_s=90)
    finally:
        deployment.set_schedule(False)
    assert first.dagster_run.tags["dagster/schedule_name"] == "daily_track_sync"

    outcome = deployment.settle(mark)

    assert_plan_chain(deployment, outcome, "track_list_job")
    assert_no_overlapping_sync_steps(deployment)


def test_a_tick_while_a_sync_command_holds_the_lease_is_skipped_and_the_next_runs_the_chain(
    deployment: Deployment,
) -> None:
    """A tick while another whole sync is under way (``track-sync sync`` holding the sync
    lease) is skipped, naming it in the tick history, with no run and no request; the next
    tick, the lease free, runs the chain once."""
    deployment.simulator.set_day(8)
    command = LeaseOwner("cli", "track-sync sync (ops@launch-chains)")
    with CatalogueStore(deployment.catalogue_url) as store:
        assert store.try_acquire_lease(command).acquired
        mark = deployment.mark()
        deployment.set_schedule(True)
        try:
            skipped = deployment.wait_for_tick(mark, "SKIPPED", timeout_s=90)
            held = "the sync lease is held by track-sync sync (ops@launch-chains)"
            assert held in (skipped["skipReason"] or ""), skipped
            assert deployment.runs_since(mark) == []
            assert len(deployment.simulator.request_log) == mark.requests
            store.release_lease(command.owner_id)
            deployment.wait_for_runs(mark, 1, timeout_s=90)
        finally:
            deployment.set_schedule(False)
            store.release_lease(command.owner_id)

    outcome = deployment.settle(mark)

    assert_plan_chain(deployment, outcome, "track_list_job")
    assert_no_overlapping_sync_steps(deployment)


def test_commands_run_alongside_the_daemon_make_one_chain_each(deployment: Deployment) -> None:
    """With a daemon running, ``track-sync sync --full`` and ``refetch`` submit their first run
    to the queue; the sensors chain the rest once, and every run enters the command's lease."""
    deployment.simulator.set_day(10)
    listings = deployment.simulator.catalogue.listings()
    broken = [listings[i] for i in BROKEN_AT[:2]]
    deployment.simulator.set_faults(FaultSpec.parse("broken=" + "+".join(b.slug for b in broken)))
    mark = deployment.mark()
    try:
        synced = track_sync(deployment, "sync", "--full")
    finally:
        deployment.simulator.set_faults(FaultSpec())
    refetched = track_sync(deployment, "refetch")
    outcome = deployment.settle(mark)

    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert refetched.returncode == 0, refetched.stdout + refetched.stderr
    jobs = [r.dagster_run.job_name for r in outcome.runs]
    assert jobs == [
        "track_list_job",
        "dashboards_job",
        "catalogue_job",
        "dashboards_job",
        "catalogue_job",
    ], outcome.describe()
    assert all(LEASE_TAG in r.dagster_run.tags for r in outcome.runs), outcome.describe()
    assert len(outcome.reports) == 2
    repaired = [b.slug_key for b in broken]
    assert {k: outcome.fetches[k] for k in repaired} == dict.fromkeys(repaired, MAX_ATTEMPTS + 1)
    others = {k: n for k, n in outcome.fetches.items() if k not in repaired and n != 1}
    assert others == {}, outcome.describe()
    assert_no_overlapping_sync_steps(deployment)
