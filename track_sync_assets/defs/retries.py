"""Failed tracks retried automatically later the same day, in one run each time."""

from datetime import UTC, datetime, timedelta

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from track_sync_assets.defs.busy import busy_reason
from track_sync_assets.defs.chaining import IN_PROGRESS
from track_sync_assets.defs.dagster_internals import range_tags
from track_sync_assets.defs.jobs import dashboards_job
from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.resources import (
    CatalogueResource,
    LiveRCResource,
    SyncPolicyResource,
)
from track_sync_assets.defs.runs import failed_partitions, sync_id_of_run
from track_sync_assets.defs.tags import (
    RETRY_TAG,
    STARTED_BY_TAG,
    SYNC_ID_TAG,
    TARGET_TAG,
)

FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE]


@sensor(
    job=dashboards_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="After a sync with failed tracks: retry them after growing waits "
    "(sync_policy.retry_delays_minutes), all in one run each time; the catalogue follows.",
)
def retry_failed_tracks(
    context: SensorEvaluationContext,
    sync_policy: SyncPolicyResource,
    catalogue: CatalogueResource,
    liverc: LiveRCResource,
) -> RunRequest | SkipReason:
    instance = context.instance
    plans = instance.get_run_records(
        filters=RunsFilter(tags={TARGET_TAG: "plan"}, statuses=FINISHED), limit=1
    )
    if not plans:
        return SkipReason("no daily sync has fetched dashboards yet")
    sync_id = sync_id_of_run(plans[0].dagster_run)
    attempts = [
        r
        for r in instance.get_run_records(filters=RunsFilter(tags={SYNC_ID_TAG: sync_id}))
        if RETRY_TAG in r.dagster_run.tags
    ]
    delays = sync_policy.retry_delays_minutes
    if len(attempts) >= len(delays):
        return SkipReason(f"all {len(delays)} retries of sync {sync_id[:8]} are done")
    if any(r.dagster_run.status in IN_PROGRESS for r in attempts):
        return SkipReason(f"a retry of sync {sync_id[:8]} is running")
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    failed = failed_partitions(instance, keys)
    if not failed:
        return SkipReason(f"sync {sync_id[:8]} has no failed tracks")
    previous = max([plans[0], *attempts], key=lambda r: r.update_timestamp)
    number = len(attempts) + 1
    due = previous.update_timestamp + timedelta(minutes=delays[number - 1])
    if datetime.now(UTC) < due:
        return SkipReason(
            f"retry {number} of {len(delays)} of {len(failed)} failed tracks is due at "
            f"{due:%H:%M} UTC"
        )
    with catalogue.open() as store:
        stopped = liverc.stop_reason(store)
        busy = busy_reason(instance, store)
    if stopped:
        return SkipReason(stopped)
    if busy:
        return SkipReason(f"waiting for the sync under way: {busy}")
    return RunRequest(
        run_key=f"retry-{number}-of-{sync_id}",
        tags={
            **range_tags(failed[0], failed[-1]),
            TARGET_TAG: "repair",
            SYNC_ID_TAG: sync_id,
            RETRY_TAG: str(number),
            STARTED_BY_TAG: f"retry {number} of {len(delays)}",
        },
    )
