"""``track-sync sync`` and ``track-sync refetch``: one sync, run now, on the instance.

The command holds the sync lease for the whole chain (taken atomically: two commands
started together cannot both sync) and runs the same jobs the schedule and sensors chain,
in this process, one after the other; the runs' steps enter the command's lease. Runs of
the instance whose process died are closed first, so a killed sync never blocks the next.
"""

from __future__ import annotations

import getpass
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
)

from track_sync_assets.definitions import PROJECT_ROOT
from track_sync_assets.defs.chaining import catalogue_wanted, plan_request
from track_sync_assets.defs.dagster_internals import range_tags
from track_sync_assets.defs.dead_runs import close_dead_runs
from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.runs import CATALOGUE_KEY, DASHBOARDS_KEY, failed_partitions
from track_sync_assets.defs.tags import (
    FULL_REFRESH_TAG,
    LAUNCHED_BY_CLI_TAG,
    LEASE_TAG,
    REASON_TAG,
    RESULT_TAG,
    STARTED_BY_TAG,
    SYNC_ID_TAG,
    TARGET_TAG,
)
from track_sync_assets.domain import FetchOutcome
from track_sync_assets.errors import error_line
from track_sync_assets.operator import queued
from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.lease import LeaseOwner

_KINDS = ("added", "updated", "refreshed", "unchanged", "deactivated", "reactivated")
WORKSPACE = PROJECT_ROOT / "workspace.yaml"
QUEUED_TIMEOUT_S = 6 * 3600.0
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""The command prints its own lines; every event, with its traceback, is in the run log."""
HEARTBEAT_S = 30.0


class SyncAlreadyRunning(RuntimeError):
    """Another sync holds the sync lease."""


@dataclass
class ChainOutcome:
    """What one command did: its runs, its lines and whether it succeeded."""

    succeeded: bool = False
    sync_id: str | None = None
    run_ids: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    error: str | None = None
    dashboards_result: str | None = None


def who() -> str:
    return f"cli:{getpass.getuser()}@{socket.gethostname()}"


class _Command:
    """One command's context: its definitions, instance, store, lease and run tags."""

    def __init__(
        self,
        defs: Definitions,
        instance: DagsterInstance,
        echo: Callable[[str], None],
        name: str,
        reason: str | None,
    ) -> None:
        self.defs = defs
        self.instance = instance
        self.outcome = ChainOutcome()
        self._echo = echo
        self._resources = ExitStack()
        self._catalogue = defs.resources["catalogue"]
        self.store: CatalogueStore
        self.owner = LeaseOwner("cli", f"track-sync {name} ({who()})")
        self.tags = {
            LAUNCHED_BY_CLI_TAG: "cli",
            LEASE_TAG: self.owner.owner_id,
            STARTED_BY_TAG: who(),
            **({REASON_TAG: reason} if reason else {}),
        }
        self._stop = threading.Event()

    def say(self, line: str) -> None:
        self.outcome.lines.append(line)
        self._echo(line)

    def failed(self, label: str, cause: str) -> ChainOutcome:
        """Say that the command failed and why; the outcome to return."""
        self.outcome.error = cause
        self.say(f"{label}: {cause}")
        return self.outcome

    def __enter__(self) -> _Command:
        catalogue = self._resources.enter_context(
            self._catalogue.process_config_and_initialize_cm()
        )
        self.store = self._resources.enter_context(catalogue.open())
        if catalogue.migrated_on_setup:
            self.say(f"catalogue {self.store.url}: created or upgraded to the latest schema")
        for line in close_dead_runs(self.instance, self.store):
            self.say(f"closed a dead run: {line}")
        attempt = self.store.try_acquire_lease(self.owner)
        if not attempt.acquired:
            self._resources.close()
            holder = attempt.holder.describe() if attempt.holder else "another sync"
            raise SyncAlreadyRunning(f"another sync is running: {holder}; one sync at a time")
        if attempt.replaced is not None:
            self.say(
                f"took over the sync lease from {attempt.replaced.describe()}: "
                f"{attempt.replaced_because}"
            )
        threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        try:
            self.store.release_lease(self.owner.owner_id)
        except Exception as error:  # the database failed; a dead holder is replaced anyway
            self.say(
                "the sync lease could not be given back "
                f"({error_line(error)}): the next command takes it over once this "
                "process has ended"
            )
        finally:
            self._resources.close()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self.store.heartbeat_lease(self.owner.owner_id)
            except Exception:  # retried at the next beat
                continue

    def execute(
        self, job_name: str, tags: Mapping[str, str], run_config: Mapping[str, Any] | None = None
    ) -> ExecuteInProcessResult:
        config = {**QUIET, **(run_config or {})}
        return self.defs.resolve_job_def(job_name).execute_in_process(
            instance=self.instance,
            tags={**self.tags, **tags},
            raise_on_error=False,
            run_config=config,
        )

    def stage(self, sync_id: str, name: str) -> dict[str, Any]:
        """A stage's counts in the sync's record (none when the catalogue cannot be read:
        the run's own failure then says why)."""
        try:
            record = self.store.get_run(sync_id)
        except Exception:
            return {}
        return dict(((record.counts or {}) if record else {}).get(name) or {})


def run_sync_chain(
    defs: Definitions,
    instance: DagsterInstance,
    echo: Callable[[str], None] = print,
    *,
    full_refresh: bool = False,
    reason: str | None = None,
    queue: bool = False,
) -> ChainOutcome:
    """Track list, then the day's refresh plan (or every track), then the catalogue: in
    this process, or (``queue``) as first-class runs through the daemon's queue."""
    with _Command(defs, instance, echo, "sync", reason) as command:
        if queue:
            tags = {FULL_REFRESH_TAG: "true"} if full_refresh else {}
            return _through_the_queue(command, "track_list_job", tags)
        outcome = command.outcome
        listed = command.execute("track_list_job", {})
        outcome.sync_id = listed.run_id
        outcome.run_ids["track_list"] = listed.run_id
        if not listed.success:
            return command.failed("[1/5] track list: FAILED", failure_message(listed))
        meta = metadata(listed, "liverc_track_list")
        command.say(
            f"[1/5] track list: {meta['listed']} tracks ({meta['rejected_rows']} rows "
            f"rejected; {meta['arrived']} arrived, {meta['departed']} departed, "
            f"{meta['new_partitions']} new partitions) in {meta['stage_seconds']:.1f} s"
        )
        request = plan_request(instance, instance.get_run_by_id(listed.run_id))
        if request is None:
            return command.failed("[2/5] dashboards: FAILED", "no track partitions registered")
        tags = dict(request.tags)
        if full_refresh:
            tags[FULL_REFRESH_TAG] = "true"
        return _fetch_then_catalogue(command, outcome.sync_id, tags, "[2/5] dashboards")


def refetch_failed(
    defs: Definitions,
    instance: DagsterInstance,
    echo: Callable[[str], None] = print,
    *,
    reason: str | None = None,
    queue: bool = False,
) -> ChainOutcome:
    """Re-fetch the failed and never-fetched tracks in one run, then update the catalogue."""
    with _Command(defs, instance, echo, "refetch", reason) as command:
        outcome = command.outcome
        wanted = tracks_to_repair(instance, command.store)
        if not wanted:
            command.say("no failed dashboard partitions")
            if not catalogue_behind(instance):
                outcome.succeeded = True
                return outcome
            command.say("the catalogue is older than the last dashboards fetched: updating it")
            outcome.sync_id = str(uuid.uuid4())
            return _update_catalogue(command, outcome.sync_id)
        command.say(f"re-fetching {len(wanted)} tracks: {', '.join(wanted[:20])}")
        tags = {**range_tags(wanted[0], wanted[-1]), TARGET_TAG: "repair"}
        if queue:
            return _through_the_queue(command, "dashboards_job", tags)
        return _fetch_then_catalogue(command, None, tags, "dashboards")


def _through_the_queue(command: _Command, job: str, tags: dict[str, str]) -> ChainOutcome:
    """Submit the chain's first run to the daemon's queue and follow the sync to its end."""
    outcome = command.outcome
    run_id = queued.new_run_id()
    run_tags = {k: v for k, v in command.tags.items() if k != LAUNCHED_BY_CLI_TAG}
    queued.launch(job, {**run_tags, **tags}, WORKSPACE, run_id)
    outcome.sync_id = run_id
    command.say(f"submitted run {run_id} ({job}) to the daemon's queue; following the sync")
    succeeded, runs = queued.follow(
        command.instance, run_id, command.say, timeout_s=QUEUED_TIMEOUT_S
    )
    outcome.run_ids = {run.job_name: run.run_id for run in runs.values()}
    if "dashboards_job" in runs:
        outcome.dashboards_result = runs["dashboards_job"].tags.get(RESULT_TAG)
        command.say(f"dashboards: {_dashboard_line(command.stage(run_id, 'dashboards'), None)}")
    if not succeeded:
        record = command.store.get_run(run_id)
        cause = (record.error if record else None) or "the sync failed (see its runs)"
        return command.failed("sync FAILED", cause)
    catalogue = command.stage(run_id, "catalogue")
    command.say("tracks: " + ", ".join(f"{catalogue.get(k, 0)} {k}" for k in _KINDS))
    command.say(f"sync {run_id} succeeded")
    outcome.succeeded = True
    return outcome


def catalogue_behind(instance: DagsterInstance) -> bool:
    """Whether dashboards were stored after the catalogue's last update (its run failed)."""
    fetched = instance.get_latest_materialization_event(DASHBOARDS_KEY)
    updated = instance.get_latest_materialization_event(CATALOGUE_KEY)
    return fetched is not None and (updated is None or updated.timestamp < fetched.timestamp)


def tracks_to_repair(instance: DagsterInstance, store: CatalogueStore) -> list[str]:
    """Partition keys (in partition order) that failed in Dagster or in the catalogue, or
    were never fetched successfully."""
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    failed = set(failed_partitions(instance, keys))
    states = store.dashboard_states(keys)
    bad = {FetchOutcome.FAILED, FetchOutcome.DISALLOWED}
    return [
        key
        for key in keys
        if key in failed
        or key not in states
        or states[key].dashboard is None
        or states[key].last_outcome in bad
    ]


def _fetch_then_catalogue(
    command: _Command, sync_id: str | None, tags: dict[str, str], label: str
) -> ChainOutcome:
    outcome = command.outcome
    if sync_id is not None:
        tags[SYNC_ID_TAG] = sync_id
    fetched = command.execute("dashboards_job", tags)
    sync_id = sync_id or fetched.run_id
    outcome.sync_id = sync_id
    outcome.run_ids["dashboards"] = fetched.run_id
    run = command.instance.get_run_by_id(fetched.run_id)
    outcome.dashboards_result = run.tags.get(RESULT_TAG)
    command.say(f"{label}: {_dashboard_line(command.stage(sync_id, 'dashboards'), fetched)}")
    if not catalogue_wanted(run):
        return command.failed("sync FAILED (catalogue left unchanged)", failure_message(fetched))
    return _update_catalogue(command, sync_id)


def _update_catalogue(command: _Command, sync_id: str) -> ChainOutcome:
    outcome = command.outcome
    catalogue = command.execute("catalogue_job", {SYNC_ID_TAG: sync_id})
    outcome.run_ids["catalogue"] = catalogue.run_id
    if not catalogue.success:
        return command.failed("[3/5] catalogue: FAILED", failure_message(catalogue))
    geo = metadata(catalogue, "track_geocodes")
    command.say(
        f"[3/5] geocodes: {geo['addresses']} addresses, {geo['lookups']} looked up, "
        f"{geo['cache_hits']} from cache, {geo['rejected']} rejected "
        f"in {geo['stage_seconds']:.1f} s"
    )
    tr = metadata(catalogue, "tracks")
    command.say(
        f"[4/5] tracks: {tr['added']} added, {tr['updated']} updated, {tr['refreshed']} "
        f"refreshed, {tr['unchanged']} unchanged, {tr['deactivated']} deactivated, "
        f"{tr['reactivated']} reactivated ({tr['active_tracks']} active) "
        f"in {tr['stage_seconds']:.1f} s"
    )
    rep = metadata(catalogue, "track_sync_report")
    command.say(f"[5/5] report: {rep['path']}")
    warning = (
        f" with {tr['dashboard_failures']} dashboard failures (stored data kept; retried "
        "automatically while the daemon runs, or now with `track-sync refetch`)"
        if tr["dashboard_failures"]
        else ""
    )
    command.say(f"sync {sync_id} succeeded{warning}")
    outcome.succeeded = True
    return outcome


def metadata(result: ExecuteInProcessResult, asset_name: str) -> dict[str, Any]:
    """The values of an asset's materialization metadata in a finished run."""
    for materialization in result.asset_materializations_for_node(asset_name):
        if materialization.asset_key == AssetKey(asset_name):
            return {k: v.value for k, v in materialization.metadata.items()}
    raise LookupError(f"run {result.run_id} did not materialize {asset_name}")


def _dashboard_line(counts: Mapping[str, Any], result: ExecuteInProcessResult | None) -> str:
    if not counts:
        cause = failure_message(result) if result is not None else "see the run's log"
        return f"FAILED: {cause}"
    failed = counts.get("failed", 0)
    fetched = counts.get("targeted", 0)
    text = (
        f"{fetched - failed} of {fetched} fetched, {failed} failed, "
        f"{counts.get('kept_as_stored', 0)} kept as stored"
    )
    if "plan" in counts:
        reasons = ", ".join(f"{k} {v}" for k, v in counts["plan"].items() if v)
        text += f" (plan: {reasons or 'nothing due'})"
    return text


def failure_message(result: ExecuteInProcessResult) -> str:
    """The cause of a failed run, in one line (the traceback stays in the run's log)."""
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.description:
                return f"{evaluation.check_name}: {evaluation.description}"
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            data = event.step_failure_data
            if data.user_failure_data and data.user_failure_data.description:
                return data.user_failure_data.description
            if data.error:
                error = data.error
                while error.cause is not None and "Error occurred while" in error.message:
                    error = error.cause
                return error_line(error.message) or error.cls_name or "step failed"
    for event in result.all_events:
        if event.event_type == DagsterEventType.PIPELINE_FAILURE and event.message:
            return event.message
    return "run failed"
