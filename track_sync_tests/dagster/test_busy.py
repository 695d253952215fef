"""What counts as sync work under way, for the schedule (whole syncs only) and the retry sensor
(any sync work): a live lease holder, a recent queued or running run, an active backfill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from dagster import DagsterRunStatus

from track_sync_assets.defs.busy import busy_reason, whole_sync_reason
from track_sync_assets.defs.tags import TARGET_TAG
from track_sync_assets.store.lease import LeaseOwner
from track_sync_tests.dagster.conftest import Deployment


def start_run(deployment: Deployment, job: str, **tags: str) -> str:
    """A run of ``job`` recorded as running (as if a run worker had started it)."""
    definition = deployment.defs.resolve_job_def(job)
    run = deployment.instance.create_run_for_job(
        definition, tags=tags, status=DagsterRunStatus.STARTED
    )
    return run.run_id


def test_nothing_is_under_way_on_an_idle_instance(sqlite_deployment: Deployment) -> None:
    assert busy_reason(sqlite_deployment.instance, sqlite_deployment.store()) is None
    assert whole_sync_reason(sqlite_deployment.instance, sqlite_deployment.store()) is None


def test_a_repair_run_holds_off_retries_but_not_the_daily_sync(
    sqlite_deployment: Deployment,
) -> None:
    deployment = sqlite_deployment
    run_id = start_run(deployment, "dashboards_job", **{TARGET_TAG: "repair"})
    store = deployment.store()

    assert busy_reason(deployment.instance, store) == (
        f"run {run_id[:8]} (dashboards_job) is running"
    )
    assert whole_sync_reason(deployment.instance, store) is None


def test_a_plan_run_is_a_whole_sync(sqlite_deployment: Deployment) -> None:
    deployment = sqlite_deployment
    run_id = start_run(deployment, "dashboards_job", **{TARGET_TAG: "plan"})

    assert whole_sync_reason(deployment.instance, deployment.store()) == (
        f"run {run_id[:8]} (dashboards_job) is running"
    )


def test_a_refetch_command_holds_off_retries_a_sync_command_also_the_daily_sync(
    sqlite_deployment: Deployment,
) -> None:
    deployment = sqlite_deployment
    store = deployment.store()
    refetch = LeaseOwner("cli", "track-sync refetch (ops@host)")
    assert store.try_acquire_lease(refetch).acquired
    assert "track-sync refetch (ops@host)" in (busy_reason(deployment.instance, store) or "")
    assert whole_sync_reason(deployment.instance, store) is None
    store.release_lease(refetch.owner_id)

    sync = LeaseOwner("cli", "track-sync sync (ops@host)")
    assert store.try_acquire_lease(sync).acquired
    assert "track-sync sync (ops@host)" in (whole_sync_reason(deployment.instance, store) or "")


def test_a_run_left_running_by_a_dead_process_stops_counting_after_an_hour(
    sqlite_deployment: Deployment,
) -> None:
    """No sensor can close a run whose process died before its first step (it has no pid
    tag): without a live lease holder it counts for an hour, then holds nothing off."""
    deployment = sqlite_deployment
    store = deployment.store()
    run_id = start_run(deployment, "track_list_job")
    assert f"run {run_id[:8]}" in (whole_sync_reason(deployment.instance, store) or "")

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=61)):
        assert whole_sync_reason(deployment.instance, store) is None
        assert busy_reason(deployment.instance, store) is None

        # A live holder of the lease confirms that work goes on: the old run counts again.
        holder = LeaseOwner("run", f"run {run_id[:8]} of track_list_job (liverc_track_list)")
        assert store.try_acquire_lease(holder).acquired
        assert f"run {run_id[:8]}" in (whole_sync_reason(deployment.instance, store) or "")


def test_a_run_of_other_assets_holds_nothing_off(sqlite_deployment: Deployment) -> None:
    """A check-only run (the freshness sensor's) is not sync work."""
    deployment = sqlite_deployment
    definition = deployment.defs.resolve_implicit_global_asset_job_def()
    deployment.instance.create_run_for_job(
        definition, status=DagsterRunStatus.STARTED, asset_selection=frozenset()
    )
    assert busy_reason(deployment.instance, deployment.store()) is None
