"""The daily schedule and the two sensors that chain a sync's runs without a human."""

import os

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    ScheduleDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from track_sync_assets.defs.chain import (
    CATALOGUE_KEY,
    DASHBOARDS_KEY,
    LIST_KEY,
    catalogue_request,
    catalogue_wanted,
    dashboards_request,
    finished_runs_since,
    targets,
)
from track_sync_assets.defs.jobs import catalogue_job, dashboards_job, track_list_job


def schedule_cron() -> str:
    """``TRACK_SYNC_SCHEDULE_CRON`` (default ``0 0 * * *``: 00:00 UTC)."""
    return os.environ.get("TRACK_SYNC_SCHEDULE_CRON", "").strip() or "0 0 * * *"


daily_track_sync = ScheduleDefinition(
    name="daily_track_sync",
    job=track_list_job,
    cron_schedule=schedule_cron(),
    execution_timezone=os.environ.get("TRACK_SYNC_SCHEDULE_TIMEZONE", "UTC"),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Starts the daily sync; the sensors chain dashboards and catalogue runs.",
)


@sensor(
    job=dashboards_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="After a successful track-list run (guard passed): fetch every dashboard.",
)
def dashboards_after_track_list(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    records, cursor = finished_runs_since(
        context.instance, context.cursor, [DagsterRunStatus.SUCCESS]
    )
    requests = [
        request
        for record in records
        if targets(record.dagster_run, LIST_KEY)
        and not targets(record.dagster_run, DASHBOARDS_KEY)
        and (request := dashboards_request(context.instance, record.dagster_run)) is not None
    ]
    return SensorResult(run_requests=requests, cursor=cursor)


@sensor(
    job=catalogue_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="After a dashboards run (complete, or only some tracks failed): update "
    "the catalogue and write the report.",
)
def catalogue_after_dashboards(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    records, cursor = finished_runs_since(
        context.instance, context.cursor, [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE]
    )
    requests = [
        catalogue_request(record.dagster_run)
        for record in records
        if targets(record.dagster_run, DASHBOARDS_KEY)
        and not targets(record.dagster_run, CATALOGUE_KEY)
        and catalogue_wanted(record.dagster_run)
    ]
    return SensorResult(run_requests=requests, cursor=cursor)
