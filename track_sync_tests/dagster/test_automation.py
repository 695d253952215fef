"""The daily schedule and the sensors chain a sync's runs without a human."""

from __future__ import annotations

from datetime import UTC, datetime

from dagster import DagsterRunStatus, build_schedule_context, build_sensor_context
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from track_sync_assets.definitions import defs
from track_sync_assets.defs.automation import (
    catalogue_after_dashboards,
    daily_track_sync,
    dashboards_after_track_list,
)
from track_sync_assets.defs.runner import run_sync_chain
from track_sync_assets.defs.tags import RESULT_TAG, SYNC_ID_TAG, TRACK_PARTITIONS
from track_sync_assets.simulator import FaultSpec
from track_sync_tests.dagster.conftest import Deployment


def evaluate(sensor, deployment: Deployment, cursor: str | None = None):
    context = build_sensor_context(instance=deployment.instance, definitions=defs, cursor=cursor)
    return sensor.evaluate_tick(context)


def test_the_schedule_starts_the_track_list_job_every_day_at_midnight_utc(
    sqlite_deployment: Deployment,
) -> None:
    assert daily_track_sync.cron_schedule == "0 0 * * *"
    assert daily_track_sync.execution_timezone == "UTC"
    context = build_schedule_context(
        instance=sqlite_deployment.instance,
        scheduled_execution_time=datetime(2026, 11, 29, tzinfo=UTC),
    )
    result = daily_track_sync.evaluate_tick(context)
    assert len(result.run_requests) == 1
    assert daily_track_sync.job_name == "track_list_job"


def test_sensors_chain_list_then_every_dashboard_then_the_catalogue(
    sqlite_deployment: Deployment,
) -> None:
    deployment = sqlite_deployment
    instance = deployment.instance
    listed = defs.resolve_job_def("track_list_job").execute_in_process(instance=instance)
    assert listed.success

    tick = evaluate(dashboards_after_track_list, deployment)
    assert len(tick.run_requests) == 1
    request = tick.run_requests[0]
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    assert request.tags[ASSET_PARTITION_RANGE_START_TAG] == keys[0]
    assert request.tags[ASSET_PARTITION_RANGE_END_TAG] == keys[-1]
    assert request.tags[SYNC_ID_TAG] == listed.run_id
    assert request.job_name in (None, "dashboards_job")
    again = evaluate(dashboards_after_track_list, deployment, cursor=tick.cursor)
    assert not again.run_requests, "one dashboards run per track-list run"

    broken = sorted(keys)[5]
    deployment.simulator.set_faults(FaultSpec.parse(f"broken={broken}"))
    fetched = defs.resolve_job_def("dashboards_job").execute_in_process(
        instance=instance, tags=request.tags, raise_on_error=False
    )
    run = instance.get_run_by_id(fetched.run_id)
    assert run.status == DagsterRunStatus.FAILURE
    assert run.tags[RESULT_TAG] == "partial"

    tick = evaluate(catalogue_after_dashboards, deployment)
    assert len(tick.run_requests) == 1, "some tracks failed: the catalogue still updates"
    assert tick.run_requests[0].tags[SYNC_ID_TAG] == listed.run_id
    catalogue = defs.resolve_job_def("catalogue_job").execute_in_process(
        instance=instance, tags=tick.run_requests[0].tags
    )
    assert catalogue.success
    assert deployment.store().get_track(broken)["dashboard_status"] == "failed"


def test_no_catalogue_run_when_most_dashboards_fail(sqlite_deployment: Deployment) -> None:
    deployment = sqlite_deployment
    instance = deployment.instance
    defs.resolve_job_def("track_list_job").execute_in_process(instance=instance)
    request = evaluate(dashboards_after_track_list, deployment).run_requests[0]
    deployment.simulator.set_faults(FaultSpec.parse("5xx=1.0"))
    fetched = defs.resolve_job_def("dashboards_job").execute_in_process(
        instance=instance, tags=request.tags, raise_on_error=False
    )
    assert instance.get_run_by_id(fetched.run_id).tags[RESULT_TAG] == "failed"
    assert not evaluate(catalogue_after_dashboards, deployment).run_requests


def test_sensors_leave_runs_of_the_command_line_alone(sqlite_deployment: Deployment) -> None:
    outcome = run_sync_chain(defs, sqlite_deployment.instance, echo=lambda line: None)
    assert outcome.succeeded
    assert not evaluate(dashboards_after_track_list, sqlite_deployment).run_requests
    assert not evaluate(catalogue_after_dashboards, sqlite_deployment).run_requests
