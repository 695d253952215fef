"""The sensors that chain a sync's runs, whoever launched the first one.

* ``dashboards_after_track_list`` (a run-status sensor): after a run that materialized the
  track list alone (the schedule, "Materialize" on ``liverc_track_list``), fetch the day's
  refresh plan in one run.
* ``catalogue_after_fetching``: once dashboards were fetched (by a plan run, a retry, a
  repair, or a UI selection that Dagster split into one run per contiguous range) and no
  fetch is running or queued any more, update the catalogue and write the report once.
  A run-status sensor fires per run and cannot wait for the end of a backfill, hence a
  plain sensor over finished runs and backfills.

Runs of ``track-sync sync``/``refetch`` chain themselves and are left alone; a backfill
that also targets the next stage (the UI's "Materialize all") runs it itself.
"""

import json
from datetime import UTC, datetime, timedelta

from dagster import (
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRecord,
    RunRequest,
    RunsFilter,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_status_sensor,
    sensor,
)

from track_sync_assets.defs.dagster_internals import (
    BACKFILL_ID_TAG,
    active_backfills,
    backfill_state,
    range_tags,
)
from track_sync_assets.defs.jobs import catalogue_job, dashboards_job, run_assets
from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.resources import CatalogueResource, LiveRCResource
from track_sync_assets.defs.runs import (
    CATALOGUE_KEY,
    DASHBOARDS_KEY,
    LIST_KEY,
    inherited_tags,
    launched_by_command,
    started_by,
    sync_id_of_run,
)
from track_sync_assets.defs.tags import (
    LEASE_TAG,
    RESULT_TAG,
    RETRY_TAG,
    STARTED_BY_TAG,
    SYNC_ID_TAG,
    TARGET_TAG,
)
from track_sync_assets.store import CatalogueStore

IN_PROGRESS = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]
FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]
LOOKBACK = timedelta(days=1)


def _backfill_targets(instance: DagsterInstance, run: DagsterRun, key) -> bool:
    """Whether the run belongs to a UI backfill that itself targets ``key``."""
    backfill_id = run.tags.get(BACKFILL_ID_TAG)
    if not backfill_id:
        return False
    state = backfill_state(instance, backfill_id)
    return state is not None and key in state.assets


def plan_request(instance: DagsterInstance, first_run: DagsterRun) -> RunRequest | None:
    """The dashboards run over every track partition, fetching the day's refresh plan."""
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    if not keys:
        return None
    return RunRequest(
        run_key=f"plan-after-{first_run.run_id}",
        tags={
            **inherited_tags(first_run),
            **range_tags(keys[0], keys[-1]),
            SYNC_ID_TAG: sync_id_of_run(first_run),
            TARGET_TAG: "plan",
            STARTED_BY_TAG: started_by(first_run),
        },
    )


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    request_job=dashboards_job,
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=5,
    description="After a successful track-list run (guard passed): fetch the day's "
    "refresh plan in one run.",
)
def dashboards_after_track_list(
    context: RunStatusSensorContext, catalogue: CatalogueResource, liverc: LiveRCResource
) -> RunRequest | SkipReason:
    run = context.dagster_run
    assets = run_assets(run)
    if LIST_KEY not in assets or DASHBOARDS_KEY in assets:
        return SkipReason(f"run {run.run_id[:8]} did not fetch the track list alone")
    if launched_by_command(run):
        return SkipReason(f"run {run.run_id[:8]} belongs to a command that chains itself")
    if _backfill_targets(context.instance, run, DASHBOARDS_KEY):
        return SkipReason(f"run {run.run_id[:8]}'s backfill fetches the dashboards itself")
    with catalogue.open() as store:
        stopped = liverc.stop_reason(store)
    if stopped:
        return SkipReason(stopped)
    request = plan_request(context.instance, run)
    return request or SkipReason("no track partitions registered")


def catalogue_wanted(run: DagsterRun) -> bool:
    """After a fetch run: update the catalogue unless the sync itself failed."""
    if run.status == DagsterRunStatus.SUCCESS:
        return True
    return run.status == DagsterRunStatus.FAILURE and run.tags.get(RESULT_TAG) == "partial"


def _fetch_runs_since(instance: DagsterInstance, after: datetime) -> list[RunRecord]:
    records = instance.get_run_records(
        filters=RunsFilter(statuses=FINISHED, updated_after=after),
        order_by="update_timestamp",
        ascending=True,
    )
    return [
        r
        for r in records
        if DASHBOARDS_KEY in run_assets(r.dagster_run) and not launched_by_command(r.dagster_run)
    ]


def fetching_in_progress(instance: DagsterInstance, command_owner: str | None = None) -> str | None:
    """What is still fetching dashboards (runs or backfills), if anything. While a
    ``track-sync`` command holds the sync lease (``command_owner``, its owner id), only its
    own runs can fetch: the others wait for the lease until the command's chain, catalogue
    run included, is over, so waiting for them would stall both."""
    active = [
        r
        for r in instance.get_run_records(filters=RunsFilter(statuses=IN_PROGRESS))
        if DASHBOARDS_KEY in run_assets(r.dagster_run)
        and (command_owner is None or r.dagster_run.tags.get(LEASE_TAG) == command_owner)
    ]
    backfills = (
        [b for b in active_backfills(instance) if DASHBOARDS_KEY in b.assets]
        if command_owner is None
        else []
    )
    if not active and not backfills:
        return None
    return f"{len(active)} dashboards runs and {len(backfills)} backfills still running"


def command_lease(store: CatalogueStore) -> str | None:
    """The owner id of a live ``track-sync`` command holding the sync lease, if one does."""
    holder = store.live_lease_holder()
    return holder.owner_id if holder is not None and holder.owner_kind == "cli" else None


def _covered_by_backfill(instance: DagsterInstance, record: RunRecord) -> bool:
    """The run's backfill materialized the catalogue itself after the run."""
    if not _backfill_targets(instance, record.dagster_run, CATALOGUE_KEY):
        return False
    latest = instance.get_latest_materialization_event(CATALOGUE_KEY)
    return latest is not None and latest.timestamp >= record.update_timestamp.timestamp()


@sensor(
    job=catalogue_job,
    minimum_interval_seconds=10,
    default_status=DefaultSensorStatus.RUNNING,
    description="Once dashboards were fetched and no fetch is running any more: update the "
    "catalogue and write the report, once.",
)
def catalogue_after_fetching(
    context: SensorEvaluationContext, catalogue: CatalogueResource
) -> SensorResult | SkipReason:
    cursor = json.loads(context.cursor) if context.cursor else {}
    after = (
        datetime.fromtimestamp(cursor["after"], UTC)
        if "after" in cursor
        else datetime.now(UTC) - LOOKBACK
    )
    records = _fetch_runs_since(context.instance, after)
    if not records:
        return SkipReason("no dashboards fetched since the last catalogue update")
    try:
        with catalogue.open() as store:
            command = command_lease(store)
    except Exception:  # no catalogue to read: wait for every fetch, as without a command
        command = None
    waiting = fetching_in_progress(context.instance, command)
    if waiting:
        return SkipReason(f"waiting: {waiting}")
    newest = max(r.update_timestamp.timestamp() for r in records)
    next_cursor = json.dumps({"after": newest})
    wanted = [
        r
        for r in records
        if catalogue_wanted(r.dagster_run) and not _covered_by_backfill(context.instance, r)
    ]
    if not wanted:
        return SensorResult(
            skip_reason=f"{len(records)} fetch runs finished; none calls for a catalogue "
            "update (failed sync, or the backfill updated the catalogue itself)",
            cursor=next_cursor,
        )
    last = wanted[-1].dagster_run
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"catalogue-after-{last.run_id}",
                tags={
                    **inherited_tags(last),
                    SYNC_ID_TAG: sync_id_of_run(last),
                    STARTED_BY_TAG: started_by(last),
                    "track_sync/after_fetch_runs": str(len(wanted)),
                    **({RETRY_TAG: last.tags[RETRY_TAG]} if RETRY_TAG in last.tags else {}),
                },
            )
        ],
        cursor=next_cursor,
    )
