"""``track-sync sync`` and ``track-sync refetch``: one sync, run now, on the configured instance.

Runs the same three jobs the schedule and sensors chain (so every run shows in the
UI), in this process, one after the other, and reports one line per stage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    Definitions,
    RunsFilter,
)
from dagster._core.execution.execute_in_process_result import ExecuteInProcessResult
from dagster._core.storage.partition_status_cache import AssetPartitionStatus
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from track_sync_assets.defs.chain import (
    DASHBOARDS_KEY,
    catalogue_request,
    catalogue_wanted,
    dashboards_request,
    range_tags,
)
from track_sync_assets.defs.tags import (
    LANE_TAG,
    LANE_VALUE,
    LAUNCHED_BY_TAG,
    RESULT_TAG,
    TRACK_PARTITIONS,
)

ACTIVE_STATUSES = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""The command prints its own stage lines, failures included; every event, with its
traceback, is still in the run's log in the UI."""


class SyncAlreadyRunning(RuntimeError):
    """Another sync holds the LiveRC lane."""


@dataclass
class ChainOutcome:
    """What one sync did: its runs, stage lines and whether it succeeded."""

    succeeded: bool = False
    sync_id: str | None = None
    run_ids: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    error: str | None = None
    dashboards_result: str | None = None


def run_sync_chain(
    defs: Definitions, instance: DagsterInstance, echo: Callable[[str], None] = print
) -> ChainOutcome:
    """Track list, then every dashboard, then geocodes, tracks and the report."""
    refuse_if_running(instance)
    outcome = ChainOutcome()

    def say(line: str) -> None:
        outcome.lines.append(line)
        echo(line)

    listed = _execute(defs, "track_list_job", instance, {})
    outcome.sync_id = listed.run_id
    outcome.run_ids["track_list"] = listed.run_id
    if not listed.success:
        outcome.error = _failure_message(listed)
        say(f"[1/5] track list: FAILED: {outcome.error}")
        return outcome
    meta = _metadata(listed, "liverc_track_list")
    say(
        f"[1/5] track list: {meta['listed']} tracks ({meta['arrived']} arrived, "
        f"{meta['departed']} departed, {meta['new_partitions']} new partitions) "
        f"in {meta['stage_seconds']:.1f} s"
    )

    request = dashboards_request(instance, instance.get_run_by_id(listed.run_id))
    if request is None:
        outcome.error = "no track partitions registered"
        say(f"[2/5] dashboards: FAILED: {outcome.error}")
        return outcome
    fetched = _execute(defs, "dashboards_job", instance, request.tags)
    outcome.run_ids["dashboards"] = fetched.run_id
    run = instance.get_run_by_id(fetched.run_id)
    outcome.dashboards_result = run.tags.get(RESULT_TAG)
    say(f"[2/5] dashboards: {_dashboard_line(instance, fetched, request.tags)}")
    if not catalogue_wanted(run):
        outcome.error = _failure_message(fetched)
        say(f"sync FAILED: {outcome.error}")
        return outcome

    catalogue = _execute(defs, "catalogue_job", instance, catalogue_request(run).tags)
    outcome.run_ids["catalogue"] = catalogue.run_id
    if not catalogue.success:
        outcome.error = _failure_message(catalogue)
        say(f"[3/5] catalogue: FAILED: {outcome.error}")
        return outcome
    geo = _metadata(catalogue, "track_geocodes")
    say(
        f"[3/5] geocodes: {geo['addresses']} addresses, {geo['lookups']} looked up, "
        f"{geo['cache_hits']} from cache, {geo['rejected']} rejected "
        f"in {geo['stage_seconds']:.1f} s"
    )
    tr = _metadata(catalogue, "tracks")
    say(
        f"[4/5] tracks: {tr['added']} added, {tr['updated']} updated, {tr['refreshed']} "
        f"refreshed, {tr['unchanged']} unchanged, {tr['deactivated']} deactivated, "
        f"{tr['reactivated']} reactivated ({tr['active_tracks']} active) "
        f"in {tr['stage_seconds']:.1f} s"
    )
    rep = _metadata(catalogue, "track_sync_report")
    say(f"[5/5] report: {rep['path']}")
    warning = (
        f" with {tr['dashboard_failures']} dashboard failures (stored data kept; "
        "`track-sync refetch` retries them)"
        if tr["dashboard_failures"]
        else ""
    )
    say(f"sync {outcome.sync_id} succeeded{warning}")
    outcome.succeeded = True
    return outcome


def refetch_failed(
    defs: Definitions, instance: DagsterInstance, echo: Callable[[str], None] = print
) -> ChainOutcome:
    """Re-fetch only the failed dashboard partitions, then update the catalogue."""
    refuse_if_running(instance)
    outcome = ChainOutcome()
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    failed = failed_partitions(instance, keys)
    if not failed:
        echo("no failed dashboard partitions")
        outcome.succeeded = True
        return outcome
    echo(f"re-fetching {len(failed)} failed tracks: {', '.join(failed[:20])}")
    last_run = None
    for start, end in _contiguous_ranges(keys, set(failed)):
        result = _execute(defs, "dashboards_job", instance, range_tags(start, end))
        last_run = instance.get_run_by_id(result.run_id)
        outcome.run_ids[f"dashboards {start}..{end}"] = result.run_id
        echo(f"  {start}..{end}: {'ok' if result.success else _failure_message(result)}")
    catalogue = _execute(defs, "catalogue_job", instance, catalogue_request(last_run).tags)
    outcome.run_ids["catalogue"] = catalogue.run_id
    outcome.succeeded = catalogue.success
    remaining = failed_partitions(instance, failed)
    echo(f"catalogue updated; {len(remaining)} tracks still failing")
    return outcome


def failed_partitions(instance: DagsterInstance, keys: Sequence[str]) -> list[str]:
    """The keys (in order) whose ``track_dashboards`` partition is marked failed."""
    statuses = instance.get_status_by_partition(DASHBOARDS_KEY, keys, TRACK_PARTITIONS) or {}
    return [key for key in keys if statuses.get(key) == AssetPartitionStatus.FAILED]


def refuse_if_running(instance: DagsterInstance) -> None:
    """Raise :class:`SyncAlreadyRunning` when a run holds the LiveRC lane."""
    active = instance.get_run_records(
        filters=RunsFilter(tags={LANE_TAG: LANE_VALUE}, statuses=ACTIVE_STATUSES), limit=1
    )
    if active:
        run = active[0].dagster_run
        raise SyncAlreadyRunning(
            f"run {run.run_id} ({run.job_name}) is {run.status.value}: one sync at a time"
        )


def _execute(
    defs: Definitions, job_name: str, instance: DagsterInstance, tags: Mapping[str, str]
) -> ExecuteInProcessResult:
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance,
        tags={**tags, LAUNCHED_BY_TAG: "cli"},
        raise_on_error=False,
        run_config=QUIET,
    )


def _metadata(result: ExecuteInProcessResult, asset_name: str) -> dict[str, Any]:
    for materialization in result.asset_materializations_for_node(asset_name):
        if materialization.asset_key == AssetKey(asset_name):
            return {k: v.value for k, v in materialization.metadata.items()}
    raise LookupError(f"run {result.run_id} did not materialize {asset_name}")


def _dashboard_line(
    instance: DagsterInstance, result: ExecuteInProcessResult, tags: Mapping[str, str]
) -> str:
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    start = keys.index(tags[ASSET_PARTITION_RANGE_START_TAG])
    end = keys.index(tags[ASSET_PARTITION_RANGE_END_TAG])
    attempted = keys[start : end + 1]
    done = instance.get_materialized_partitions(DASHBOARDS_KEY)
    run_done = {
        e.dagster_event.partition
        for e in instance.all_logs(result.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
        if e.dagster_event and e.dagster_event.asset_key == DASHBOARDS_KEY
    }
    failed = len(set(attempted) - run_done)
    text = f"{len(run_done)} of {len(attempted)} tracks refreshed, {failed} failed"
    if failed:
        text += f" ({len(set(attempted) & done)} have older data)"
    return text


def _failure_message(result: ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                return data.user_failure_data.description
            if data.error:
                return data.error.message.strip().splitlines()[-1]
    return "run failed"


def _contiguous_ranges(keys: list[str], wanted: set[str]) -> list[tuple[str, str]]:
    ranges: list[tuple[str, str]] = []
    start: str | None = None
    previous: str | None = None
    for key in keys:
        if key in wanted:
            start = start or key
            previous = key
        elif start is not None:
            ranges.append((start, previous))  # type: ignore[arg-type]
            start = None
    if start is not None:
        ranges.append((start, previous))  # type: ignore[arg-type]
    return ranges
