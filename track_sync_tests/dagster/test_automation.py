"""The schedule and sensors chain a sync's runs, once, whoever launched the first one."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import (
    DagsterEventType,
    DagsterRunStatus,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    build_schedule_context,
    build_sensor_context,
)

from track_sync_assets.defs.chaining import catalogue_after_fetching, dashboards_after_track_list
from track_sync_assets.defs.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.retries import retry_failed_tracks
from track_sync_assets.defs.runs import DASHBOARDS_KEY
from track_sync_assets.defs.schedules import daily_track_sync
from track_sync_assets.defs.tags import (
    LEASE_TAG,
    RESULT_TAG,
    RETRY_TAG,
    SYNC_ID_TAG,
    TARGET_TAG,
)
from track_sync_assets.operator.runner import run_sync_chain
from track_sync_assets.simulator import FaultSpec
from track_sync_assets.store.lease import LeaseOwner
from track_sync_assets.store.switches import SCRAPING
from track_sync_tests.dagster.conftest import Deployment


def tick(sensor, deployment: Deployment, cursor: str | None = None):
    with build_sensor_context(
        instance=deployment.instance,
        definitions=deployment.defs,
        cursor=cursor,
        resources=deployment.defs.resources,
    ) as context:
        return sensor.evaluate_tick(context)


def after_success(sensor, deployment: Deployment, run_id: str):
    """Evaluate a run-status sensor on the success of ``run_id``."""
    instance = deployment.instance
    event = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_SUCCESS).records
    with build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=event[0].event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources=deployment.defs.resources,
    ) as context:
        return sensor(context)


def execute(deployment: Deployment, job: str, tags: dict | None = None):
    return deployment.defs.resolve_job_def(job).execute_in_process(
        instance=deployment.instance, tags=tags or {}, raise_on_error=False
    )


def schedule_tick(deployment: Deployment):
    """The schedule's answer at midnight, 29 November 2026, on the deployment."""
    with build_schedule_context(
        instance=deployment.instance,
        scheduled_execution_time=datetime(2026, 11, 29, tzinfo=UTC),
        resources=deployment.defs.resources,
    ) as context:
        return daily_track_sync.evaluate_tick(context)


def test_the_schedule_starts_the_track_list_every_day_at_midnight_utc_unless_switched_off(
    sqlite_deployment: Deployment,
) -> None:
    deployment = sqlite_deployment
    assert daily_track_sync.cron_schedule == "0 0 * * *"
    assert daily_track_sync.execution_timezone == "UTC"
    assert daily_track_sync.job_name == "track_list_job"

    assert len(schedule_tick(deployment).run_requests) == 1
    deployment.store().set_switch(SCRAPING, False, reason="maintenance", changed_by="test")
    skipped = schedule_tick(deployment)
    assert not skipped.run_requests and "maintenance" in (skipped.skip_message or "")


def test_the_schedule_skips_a_tick_while_a_sync_is_queued_or_running(
    sqlite_deployment: Deployment,
) -> None:
    """A tick during a sync (or a second catch-up tick in one daemon iteration) would only be
    refused by the sync lease: it is skipped, with the run that is under way as reason."""
    deployment = sqlite_deployment
    job = deployment.defs.resolve_job_def("track_list_job")
    running = deployment.instance.create_run_for_job(job, status=DagsterRunStatus.STARTED)
    skipped = schedule_tick(deployment)
    assert not skipped.run_requests
    assert f"run {running.run_id[:8]} (track_list_job) is running" in (skipped.skip_message or "")


def test_the_schedule_skips_a_tick_while_a_command_holds_the_sync_lease(
    sqlite_deployment: Deployment,
) -> None:
    """``track-sync sync`` holds the lease between its runs too; a dead holder blocks nothing."""
    deployment = sqlite_deployment
    store = deployment.store()

    command = LeaseOwner("cli", "track-sync sync (by the test)")
    assert store.try_acquire_lease(command).acquired
    skipped = schedule_tick(deployment)
    assert not skipped.run_requests
    assert "the sync lease is held by track-sync sync (by the test)" in skipped.skip_message
    store.release_lease(command.owner_id)

    dead = LeaseOwner("cli", "a killed command", pid=2**22 + 7)
    assert store.try_acquire_lease(dead).acquired
    assert len(schedule_tick(deployment).run_requests) == 1


def test_a_track_list_run_chains_one_plan_run_then_one_catalogue_run(
    sqlite_deployment: Deployment,
) -> None:
    deployment = sqlite_deployment
    listed = execute(deployment, "track_list_job")
    assert listed.success

    request = after_success(dashboards_after_track_list, deployment, listed.run_id)
    assert isinstance(request, RunRequest)
    keys = deployment.instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == keys[0]
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == keys[-1]
    assert request.tags[SYNC_ID_TAG] == listed.run_id
    assert request.tags[TARGET_TAG] == "plan"

    broken = sorted(keys)[5]
    deployment.simulator.set_faults(FaultSpec.parse(f"broken={broken}"))
    fetched = execute(deployment, "dashboards_job", request.tags)
    run = deployment.instance.get_run_by_id(fetched.run_id)
    assert run.status == DagsterRunStatus.FAILURE
    assert run.tags[RESULT_TAG] == "partial"

    result = tick(catalogue_after_fetching, deployment)
    assert len(result.run_requests) == 1, "some tracks failed: the catalogue still updates"
    assert result.run_requests[0].tags[SYNC_ID_TAG] == listed.run_id
    again = tick(catalogue_after_fetching, deployment, cursor=result.cursor)
    assert not again.run_requests, "one catalogue update per batch of fetch runs"
    catalogue = execute(deployment, "catalogue_job", result.run_requests[0].tags)
    assert catalogue.success
    assert deployment.store().get_track(broken)["dashboard_status"] == "failed"


def test_the_catalogue_waits_until_no_fetch_is_running(sqlite_deployment: Deployment) -> None:
    deployment = sqlite_deployment
    listed = execute(deployment, "track_list_job")
    request = after_success(dashboards_after_track_list, deployment, listed.run_id)
    execute(deployment, "dashboards_job", request.tags)
    queued = deployment.defs.resolve_job_def("dashboards_job")
    deployment.instance.create_run_for_job(
        queued, tags=request.tags, status=DagsterRunStatus.NOT_STARTED
    )

    waiting = tick(catalogue_after_fetching, deployment)
    assert not waiting.run_requests and "waiting" in (waiting.skip_message or "")


def test_a_commands_catalogue_run_does_not_wait_for_runs_waiting_for_its_lease(
    sqlite_deployment: Deployment,
) -> None:
    """``track-sync sync`` alongside a daemon holds the lease for its whole chain; a fetch
    launched from the UI meanwhile waits for that lease, so the command's catalogue run must
    not wait for it (both would stall until the UI run gave up, 15 minutes later)."""
    deployment = sqlite_deployment
    store = deployment.store()
    command = LeaseOwner("cli", "track-sync sync (ops@host)")
    assert store.try_acquire_lease(command).acquired
    listed = execute(deployment, "track_list_job", {LEASE_TAG: command.owner_id})
    request = after_success(dashboards_after_track_list, deployment, listed.run_id)
    execute(deployment, "dashboards_job", {**request.tags, LEASE_TAG: command.owner_id})
    from_the_ui = deployment.defs.resolve_job_def("dashboards_job")
    deployment.instance.create_run_for_job(from_the_ui, status=DagsterRunStatus.STARTED)

    result = tick(catalogue_after_fetching, deployment)
    assert len(result.run_requests) == 1, result.skip_message
    assert result.run_requests[0].tags[LEASE_TAG] == command.owner_id

    store.release_lease(command.owner_id)
    waiting = tick(catalogue_after_fetching, deployment)
    assert not waiting.run_requests and "waiting" in (waiting.skip_message or "")


def test_no_catalogue_run_when_most_dashboards_fail(sqlite_deployment: Deployment) -> None:
    deployment = sqlite_deployment
    listed = execute(deployment, "track_list_job")
    request = after_success(dashboards_after_track_list, deployment, listed.run_id)
    deployment.simulator.set_faults(FaultSpec.parse("5xx=1.0"))
    fetched = execute(deployment, "dashboards_job", request.tags)
    assert deployment.instance.get_run_by_id(fetched.run_id).tags[RESULT_TAG] == "failed"
    assert not tick(catalogue_after_fetching, deployment).run_requests


def test_failed_tracks_are_retried_in_one_run_after_the_configured_waits(
    sqlite_deployment: Deployment,
) -> None:
    deployment = sqlite_deployment
    listed = execute(deployment, "track_list_job")
    request = after_success(dashboards_after_track_list, deployment, listed.run_id)
    keys = deployment.instance.get_dynamic_partitions(TRACK_PARTITIONS.name)  # list order
    first, last = keys[2], keys[-3]
    deployment.simulator.set_faults(FaultSpec.parse(f"broken={first},broken={last}"))
    execute(deployment, "dashboards_job", request.tags)

    def evaluate(delays: list[int]):
        policy = deployment.defs.resources["sync_policy"]
        with build_sensor_context(
            instance=deployment.instance,
            resources={
                **deployment.defs.resources,
                "sync_policy": type(policy)(**{**policy.__dict__, "retry_delays_minutes": delays}),
            },
        ) as context:
            return retry_failed_tracks(context)

    later = evaluate([30, 120])
    assert isinstance(later, SkipReason) and "due at" in (later.skip_message or "")
    retry = evaluate([0, 0])
    assert isinstance(retry, RunRequest)
    assert retry.tags[TARGET_TAG] == "repair" and retry.tags[RETRY_TAG] == "1"
    assert retry.tags[SYNC_ID_TAG] == listed.run_id
    assert (
        retry.tags[ASSET_PARTITION_RANGE_START_TAG],
        retry.tags[ASSET_PARTITION_RANGE_END_TAG],
    ) == (
        first,
        last,
    )

    deployment.simulator.set_faults(FaultSpec())
    repaired = execute(deployment, "dashboards_job", retry.tags)
    assert repaired.success
    statuses = deployment.instance.get_status_by_partition(DASHBOARDS_KEY, keys, TRACK_PARTITIONS)
    assert all(str(statuses[k]).endswith("MATERIALIZED") for k in keys)
    done = evaluate([0, 0])
    assert isinstance(done, SkipReason) and "no failed tracks" in (done.skip_message or "")


def test_sensors_leave_runs_of_the_command_line_alone(sqlite_deployment: Deployment) -> None:
    deployment = sqlite_deployment
    outcome = run_sync_chain(deployment.defs, deployment.instance, echo=lambda line: None)
    assert outcome.succeeded
    skipped = after_success(dashboards_after_track_list, deployment, outcome.run_ids["track_list"])
    assert isinstance(skipped, SkipReason)
    assert not tick(catalogue_after_fetching, deployment).run_requests
