"""How one sync chains its three runs, shared by the sensors and ``track-sync sync``.

track list run --(succeeded, guard passed)--> dashboards run over every partition
--(succeeded, or failed with only some tracks failing)--> catalogue run.

A schedule cannot launch a backfill and a range fixed when it ticks would miss the
day's new tracks, so the dashboards run is requested after the list run, over the
partitions that exist then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dagster import AssetKey, DagsterInstance, DagsterRunStatus, RunRequest, RunsFilter
from dagster._core.storage.dagster_run import DagsterRun, RunRecord
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from track_sync_assets.defs.tags import (
    LAUNCHED_BY_TAG,
    RESULT_TAG,
    SYNC_ID_TAG,
    TRACK_PARTITIONS,
)

LIST_KEY = AssetKey("liverc_track_list")
DASHBOARDS_KEY = AssetKey("track_dashboards")
CATALOGUE_KEY = AssetKey("tracks")
LOOKBACK = timedelta(days=1)


def sync_id_of_run(run: DagsterRun) -> str:
    return run.tags.get(SYNC_ID_TAG) or run.run_id


JOB_ASSETS: dict[str, frozenset[AssetKey]] = {
    "track_list_job": frozenset({LIST_KEY}),
    "dashboards_job": frozenset({DASHBOARDS_KEY}),
    "catalogue_job": frozenset(
        {AssetKey("track_geocodes"), CATALOGUE_KEY, AssetKey("track_sync_report")}
    ),
}
"""Assets of the sync jobs (a run of a job does not always record its asset selection)."""


def targets(run: DagsterRun, key: AssetKey) -> bool:
    """Did this run target ``key`` (and was it launched by Dagster, not the command line)?"""
    if run.tags.get(LAUNCHED_BY_TAG) == "cli":
        return False
    selection = run.asset_selection or JOB_ASSETS.get(run.job_name, frozenset())
    return key in selection


def finished_runs_since(
    instance: DagsterInstance,
    cursor: str | None,
    statuses: Sequence[DagsterRunStatus],
) -> tuple[list[RunRecord], str]:
    """Runs that ended with one of ``statuses`` after the cursor (a timestamp), oldest
    first, and the new cursor. Without a cursor, looks back one day."""
    after = datetime.fromtimestamp(float(cursor), UTC) if cursor else datetime.now(UTC) - LOOKBACK
    records = instance.get_run_records(
        filters=RunsFilter(statuses=list(statuses), updated_after=after),
        order_by="update_timestamp",
        ascending=True,
    )
    newest = max((r.update_timestamp.timestamp() for r in records), default=after.timestamp())
    return list(records), repr(newest)


def dashboards_request(instance: DagsterInstance, list_run: DagsterRun) -> RunRequest | None:
    """The dashboards run over every track partition that exists now."""
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    if not keys:
        return None
    return RunRequest(
        run_key=f"dashboards-after-{list_run.run_id}",
        tags={**range_tags(keys[0], keys[-1]), SYNC_ID_TAG: sync_id_of_run(list_run)},
    )


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags selecting the partitions ``start``..``end`` (in partition order)."""
    return {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}


def catalogue_wanted(run: DagsterRun) -> bool:
    """After a dashboards run: update the catalogue unless the sync itself failed."""
    if run.status == DagsterRunStatus.SUCCESS:
        return True
    return run.status == DagsterRunStatus.FAILURE and run.tags.get(RESULT_TAG) == "partial"


def catalogue_request(dashboards_run: DagsterRun) -> RunRequest:
    return RunRequest(
        run_key=f"catalogue-after-{dashboards_run.run_id}",
        tags={SYNC_ID_TAG: sync_id_of_run(dashboards_run)},
    )
