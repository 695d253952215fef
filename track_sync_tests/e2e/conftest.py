"""A real deployment for end-to-end tests: ``dagster-webserver`` and ``dagster-daemon`` started
from the project's ``workspace.yaml`` on their own ``DAGSTER_HOME``, run workers launched by the
daemon, and the LiveRC simulator served from the test process (the workers reach it over HTTP,
the test reads its request log).

Everything is launched the way the UI launches it (the same GraphQL mutations the webserver's
JavaScript sends) and observed on the instance, the simulator and the reports folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunRecord,
    RunsFilter,
)

from track_sync_assets.defs.dagster_internals import active_backfills
from track_sync_assets.defs.jobs import run_assets
from track_sync_assets.defs.step_guard import HOLD_ENDS, HOLD_STARTS
from track_sync_assets.simulator import SimulatorConfig
from track_sync_assets.simulator.faults import FaultSpec
from track_sync_assets.simulator.server import Simulator, serve_in_thread
from track_sync_assets.store import CatalogueStore, SyncRun
from track_sync_tests.conftest import PROJECT_ROOT, stop_process_group

BIN = Path(sys.executable).parent
LOCATION = "track_sync"
REPOSITORY = "__repository__"
PARTITIONS = "liverc_tracks"
SYNC_ASSETS = frozenset(
    {"liverc_track_list", "track_dashboards", "track_geocodes", "tracks", "track_sync_report"}
)
"""The assets whose steps talk to LiveRC or write the catalogue (they hold the sync lease)."""
ALL_ASSETS = (*sorted(SYNC_ASSETS), "track_catalogue_exports")
CHAINING_SENSORS = ("dashboards_after_track_list", "catalogue_after_fetching")
CHECK_ONLY_SENSORS = frozenset({"tracks_freshness_sensor"})
"""Sensors whose runs only evaluate checks (no step talks to LiveRC or writes anything)."""
DASHBOARDS = AssetKey("track_dashboards")
CATALOGUE = AssetKey("tracks")
IN_PROGRESS = {
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}
INHERITED_PREFIXES = ("TRACK_SYNC_", "LIVERC_", "DAGSTER_", "NOMINATIM_")
KEPT_FROM_OUTSIDE = frozenset({"TRACK_SYNC_GAZETTEER_CACHE_DIR"})
SETTLE_TIMEOUT_S = 300.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GraphQL:
    """The webserver's GraphQL endpoint; a response with ``errors`` fails the test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._client = httpx.Client(base_url=base_url, timeout=60)

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self._client.post("/graphql", json={"query": query, "variables": variables})
        response.raise_for_status()
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def close(self) -> None:
        self._client.close()


LAUNCH_RUN = """
mutation LaunchPipelineExecution($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { id pipelineName } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
  }
}
"""
LAUNCH_BACKFILL = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on PartitionKeysNotFoundError { message }
  }
}
"""
REEXECUTE = """
mutation LaunchPipelineReexecution($reexecutionParams: ReexecutionParams) {
  launchPipelineReexecution(reexecutionParams: $reexecutionParams) {
    __typename
    ... on LaunchRunSuccess { run { id pipelineName rootRunId parentRunId } }
    ... on PythonError { message }
  }
}
"""
ASSET_CHECKS = """
query AssetChecks($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode { assetChecksOrError { ... on AssetChecks { checks { name } } } }
  }
}
"""
PARTITION_HEALTH = """
query PartitionHealth($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    ... on AssetNode {
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses {
          materializedPartitions failedPartitions unmaterializedPartitions
        }
      }
    }
  }
}
"""
SENSOR = """
query Sensor($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor {
      sensorState { id status ticks(limit: 3) { timestamp endTimestamp status runIds } }
    }
  }
}
"""
SCHEDULE = """
query Schedule($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename
    ... on Schedule {
      cronSchedule
      scheduleState { id status ticks(limit: 3) { timestamp status runIds skipReason } }
    }
  }
}
"""
START_SCHEDULE = """
mutation Start($selector: ScheduleSelector!) {
  startSchedule(scheduleSelector: $selector) { __typename ... on PythonError { message } }
}
"""
STOP_SCHEDULE = """
mutation Stop($id: String!) {
  stopRunningSchedule(id: $id) { __typename ... on PythonError { message } }
}
"""
START_SENSOR = """
mutation Start($selector: SensorSelector!) {
  startSensor(sensorSelector: $selector) { __typename ... on PythonError { message } }
}
"""
STOP_SENSOR = """
mutation Stop($id: String!) {
  stopSensor(id: $id) { __typename ... on PythonError { message } }
}
"""


@dataclass(frozen=True)
class Mark:
    """The state before a launch: what happened after it is what the launch caused."""

    time: float
    requests: int
    reports: frozenset[str]


@dataclass
class Outcome:
    """What one launch caused once everything settled."""

    runs: list[RunRecord]
    fetches: Counter[str]
    """GET requests per track (partition key) at the simulator."""
    reports: list[Path]
    seconds: float

    def of_job(self, job: str) -> list[RunRecord]:
        return [r for r in self.runs if r.dagster_run.job_name == job]

    def fetching(self) -> list[RunRecord]:
        """Runs that fetched dashboards."""
        return [r for r in self.runs if DASHBOARDS in run_assets(r.dagster_run)]

    def updating(self) -> list[RunRecord]:
        """Runs that updated the catalogue."""
        return [r for r in self.runs if CATALOGUE in run_assets(r.dagster_run)]

    def describe(self) -> str:
        lines = [f"{len(self.runs)} runs in {self.seconds:.0f} s:"]
        for r in self.runs:
            run = r.dagster_run
            tags = {k: v for k, v in run.tags.items() if not k.startswith(".dagster")}
            lines.append(f"  {run.run_id[:8]} {run.job_name} {run.status.value} {tags}")
        lines.append(f"fetches: {len(self.fetches)} tracks, {sum(self.fetches.values())} GETs")
        lines.append(f"reports: {[p.name for p in self.reports]}")
        return "\n".join(lines)


@dataclass
class Deployment:
    """A running webserver + daemon on one instance, its simulator and its folders."""

    root: Path
    home: Path
    env: dict[str, str]
    simulator: Simulator
    graphql: GraphQL
    instance: DagsterInstance
    reports: Path
    catalogue_url: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    # --- What the UI sends ---

    def _selector(self, **extra: Any) -> dict[str, Any]:
        return {"repositoryLocationName": LOCATION, "repositoryName": REPOSITORY, **extra}

    def _checks_of(self, assets: Sequence[str]) -> list[dict[str, Any]]:
        checks = []
        for name in assets:
            node = self.graphql(ASSET_CHECKS, key={"path": [name]})["assetNodeOrError"]
            for check in node["assetChecksOrError"].get("checks", []):
                checks.append({"assetKey": {"path": [name]}, "name": check["name"]})
        return checks

    def materialize(self, assets: Sequence[str], job: str = "__ASSET_JOB") -> str:
        """The "Materialize" button of an asset (or of an asset job's page): one run."""
        params = {
            "mode": "default",
            "executionMetadata": {"tags": []},
            "runConfigData": "{}",
            "selector": self._selector(
                pipelineName=job,
                assetSelection=[{"path": [name]} for name in assets],
                assetCheckSelection=self._checks_of(assets),
            ),
        }
        result = self.graphql(LAUNCH_RUN, executionParams=params)["launchPipelineExecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["id"]

    def backfill(
        self,
        assets: Sequence[str],
        partitions: Sequence[str] | None = None,
        *,
        all_partitions: bool = False,
    ) -> str:
        """The launch dialog of the Partitions tab (a selection) or of "Materialize all"."""
        params: dict[str, Any] = {"tags": [], "assetSelection": [{"path": [a]} for a in assets]}
        if all_partitions:
            params["allPartitions"] = True
        else:
            params.update(partitionNames=list(partitions or []), fromFailure=False)
        result = self.graphql(LAUNCH_BACKFILL, backfillParams=params)["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def reexecute(self, run_id: str) -> str:
        """ "Re-execute all" on a finished run's page."""
        params = {"parentRunId": run_id, "strategy": "ALL_STEPS"}
        result = self.graphql(REEXECUTE, reexecutionParams=params)["launchPipelineReexecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["id"]

    def partition_health(self) -> dict[str, list[str]]:
        """``track_dashboards``' partitions as the Partitions tab sees them (its presets)."""
        node = self.graphql(PARTITION_HEALTH, key={"path": ["track_dashboards"]})
        statuses = node["assetNodeOrError"]["assetPartitionStatuses"]
        return {
            "materialized": statuses["materializedPartitions"],
            "failed": statuses["failedPartitions"],
            "missing": statuses["unmaterializedPartitions"],
        }

    def schedule_state(self, name: str = "daily_track_sync") -> dict[str, Any]:
        data = self.graphql(SCHEDULE, selector=self._selector(scheduleName=name))
        return data["scheduleOrError"]

    def set_schedule(self, running: bool, name: str = "daily_track_sync") -> None:
        if running:
            data = self.graphql(START_SCHEDULE, selector=self._selector(scheduleName=name))
            assert data["startSchedule"]["__typename"] == "ScheduleStateResult", data
        else:
            state_id = self.schedule_state(name)["scheduleState"]["id"]
            data = self.graphql(STOP_SCHEDULE, id=state_id)
            assert data["stopRunningSchedule"]["__typename"] == "ScheduleStateResult", data

    def sensor_state(self, name: str) -> dict[str, Any]:
        data = self.graphql(SENSOR, selector=self._selector(sensorName=name))
        return data["sensorOrError"]["sensorState"]

    def set_sensor(self, name: str, running: bool) -> None:
        if running:
            data = self.graphql(START_SENSOR, selector=self._selector(sensorName=name))
            assert data["startSensor"]["__typename"] == "Sensor", data
        else:
            data = self.graphql(STOP_SENSOR, id=self.sensor_state(name)["id"])
            assert data["stopSensor"]["__typename"] == "StopSensorMutationResult", data

    # --- What happened ---

    def partition_keys(self) -> list[str]:
        """The track partitions, in partition order."""
        return list(self.instance.get_dynamic_partitions(PARTITIONS))

    def report_files(self) -> list[Path]:
        return sorted(self.reports.glob("track-sync-*.md"))

    def mark(self) -> Mark:
        return Mark(
            time=time.time(),
            requests=len(self.simulator.request_log),
            reports=frozenset(p.name for p in self.report_files()),
        )

    def runs_since(self, mark: Mark, *, check_only: bool = False) -> list[RunRecord]:
        """Runs created since the mark; without the freshness sensor's check-only runs unless
        ``check_only``."""
        records = self.instance.get_run_records(filters=RunsFilter(created_after=_utc(mark.time)))
        return sorted(
            (r for r in records if check_only or not _check_only(r)),
            key=lambda r: r.create_timestamp,
        )

    def fetches_since(self, mark: Mark) -> Counter[str]:
        """GET requests per track dashboard since the mark (partition key = lower-case slug)."""
        log = self.simulator.request_log[mark.requests :]
        return Counter(r.slug.lower() for r in log if r.method == "GET" and r.slug is not None)

    def sync_run(self, sync_id: str) -> SyncRun | None:
        with CatalogueStore(self.catalogue_url) as store:
            return store.get_run(sync_id)

    def _sensors_ticked_after(self, moment: float) -> bool:
        """Both chaining sensors finished an evaluation that began after ``moment``."""
        for name in CHAINING_SENSORS:
            ticks = self.sensor_state(name)["ticks"]
            if not any(t["timestamp"] > moment and t["endTimestamp"] for t in ticks):
                return False
        return True

    def settle(
        self, mark: Mark, *, catalogue: bool = True, timeout_s: float = SETTLE_TIMEOUT_S
    ) -> Outcome:
        """Wait until the launch's chain is over: no run queued or running, no backfill
        requested, a catalogue run finished (when ``catalogue``), and both chaining sensors
        evaluated after the last run ended (so a run they would add is seen)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._assert_alive()
            runs = self.runs_since(mark, check_only=True)
            busy = any(r.dagster_run.status in IN_PROGRESS for r in runs)
            updated = any(
                CATALOGUE in run_assets(r.dagster_run) and r.dagster_run.status not in IN_PROGRESS
                for r in runs
            )
            if runs and not busy and not active_backfills(self.instance):
                ended = max(_ended(r) for r in runs)
                if (updated or not catalogue) and self._sensors_ticked_after(ended):
                    return Outcome(
                        runs=self.runs_since(mark),
                        fetches=self.fetches_since(mark),
                        reports=[p for p in self.report_files() if p.name not in mark.reports],
                        seconds=time.time() - mark.time,
                    )
            time.sleep(2)
        outcome = Outcome(self.runs_since(mark), self.fetches_since(mark), [], 0.0)
        pytest.fail(f"the chain did not settle within {timeout_s:.0f} s\n{outcome.describe()}")

    def wait_for_tick(self, mark: Mark, status: str, timeout_s: float = 120.0) -> dict[str, Any]:
        """The schedule's first tick after the mark with ``status`` (SKIPPED, SUCCESS, ...)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._assert_alive()
            ticks = self.schedule_state()["scheduleState"]["ticks"]
            found = [t for t in ticks if t["timestamp"] >= mark.time and t["status"] == status]
            if found:
                return min(found, key=lambda t: t["timestamp"])
            time.sleep(1)
        pytest.fail(f"no {status} tick of the schedule within {timeout_s:.0f} s")

    def wait_for_runs(self, mark: Mark, count: int, timeout_s: float = 120.0) -> list[RunRecord]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._assert_alive()
            runs = self.runs_since(mark)
            if len(runs) >= count:
                return runs
            time.sleep(1)
        pytest.fail(f"fewer than {count} runs within {timeout_s:.0f} s")

    def lease_intervals(self) -> list[tuple[str, str, str, float, float]]:
        """(lease owner, run id, step, start, end) of every hold on the sync lease by a step,
        all runs, read from the steps' own log lines: a step's own hold, or its hold inside the
        lease of the command that launched its run. Fails if a sync step succeeded without
        holding the lease."""
        intervals = []
        for record in self.instance.get_run_records():
            run = record.dagster_run
            opened: dict[str, tuple[str, float]] = {}
            held: set[str] = set()
            succeeded: set[str] = set()
            for entry in self.instance.all_logs(run.run_id):
                step = entry.step_key
                if step not in SYNC_ASSETS:
                    continue
                message = entry.user_message or ""
                owner = message.partition("[")[2].partition("]")[0]
                if message.startswith(HOLD_STARTS):
                    opened[step] = (owner, entry.timestamp)
                    held.add(step)
                elif message.startswith(HOLD_ENDS) and step in opened:
                    owner, start = opened.pop(step)
                    intervals.append((owner, run.run_id, step, start, entry.timestamp))
                elif entry.dagster_event_type == DagsterEventType.STEP_SUCCESS:
                    succeeded.add(step)
            assert succeeded <= held, f"run {run.run_id[:8]}: {succeeded - held} without lease"
        return sorted(intervals, key=lambda i: i[3])

    def diagnostics(self, lines: int = 80) -> str:
        """Every run of the instance and the daemon log's last lines (sensor and schedule ticks,
        run workers' output): printed under a failed test."""
        runs = sorted(self.instance.get_run_records(), key=lambda r: r.create_timestamp)
        described = [
            f"{r.create_timestamp:%H:%M:%S} {r.dagster_run.run_id[:8]} {r.dagster_run.job_name} "
            f"{r.dagster_run.status.value} parent={r.dagster_run.parent_run_id} "
            f"{ {k: v for k, v in r.dagster_run.tags.items() if not k.startswith('.dagster')} }"
            for r in runs
        ]
        log = self.root / "daemon.log"
        tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
        return "\n".join(["runs:", *described, f"{log} (last {lines} lines):", *tail])

    def _assert_alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args[0]} exited with {process.returncode}: see {self.root}")


def _utc(timestamp: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC)


def _check_only(record: RunRecord) -> bool:
    return record.dagster_run.tags.get("dagster/sensor_name") in CHECK_ONLY_SENSORS


def _ended(record: RunRecord) -> float:
    return record.end_time or record.update_timestamp.timestamp()


def overlapping(intervals: Sequence[tuple[str, str, str, float, float]]) -> list[str]:
    """Pairs of holds on the sync lease by different owners that overlap in time."""
    found = []
    for i, (owner_a, run_a, step_a, start_a, end_a) in enumerate(intervals):
        for owner_b, run_b, step_b, start_b, end_b in intervals[i + 1 :]:
            if start_b >= end_a:
                break
            if owner_b != owner_a:
                found.append(
                    f"{run_a[:8]}:{step_a} [{start_a:.2f}, {end_a:.2f}] and "
                    f"{run_b[:8]}:{step_b} [{start_b:.2f}, {end_b:.2f}]"
                )
    return found


def contiguous_ranges(selected: Sequence[str], order: Sequence[str]) -> list[list[str]]:
    """The selection split into runs of consecutive partitions (in partition order)."""
    wanted = set(selected)
    ranges: list[list[str]] = []
    previous = False
    for key in order:
        if key in wanted:
            if previous:
                ranges[-1].append(key)
            else:
                ranges.append([key])
        previous = key in wanted
    return ranges


def deployment_env(root: Path, home: Path, simulator: Simulator, **extra: str) -> dict[str, str]:
    """The environment of the webserver, the daemon (hence the code location) and commands."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(INHERITED_PREFIXES) or name in KEPT_FROM_OUTSIDE
    }
    env.update(
        DAGSTER_HOME=str(home),
        PYTHONUNBUFFERED="1",
        LIVERC_LIST_URL=simulator.list_url,
        LIVERC_TRACK_URL_TEMPLATE=simulator.track_url_template,
        TRACK_SYNC_DATABASE_URL=f"sqlite:///{root / 'catalogue.db'}",
        TRACK_SYNC_REPORTS_DIR=str(root / "reports"),
        TRACK_SYNC_EXPORTS_DIR=str(root / "exports"),
        TRACK_SYNC_GEOCODER="offline",
        TRACK_SYNC_MAX_RPS="200",
        TRACK_SYNC_MIN_RPS="100",
        TRACK_SYNC_BACKOFF_BASE_S="0.01",
        TRACK_SYNC_MAX_ATTEMPTS="2",
        TRACK_SYNC_RETRY_DELAYS_MINUTES="1000",
        **extra,
    )
    return env


def _spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_webserver(graphql: GraphQL, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    query = "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster-webserver exited: {log.read_text()[-3000:]}")
        try:
            nodes = graphql(query)["repositoriesOrError"].get("nodes")
            if nodes:
                return
        except (httpx.HTTPError, ValueError, AssertionError):
            pass
        time.sleep(1)
    pytest.fail(f"dagster-webserver did not serve the code location: {log.read_text()[-3000:]}")


@contextmanager
def running_deployment(
    root: Path,
    *,
    tracks: int = 120,
    day: int = 1,
    faults: str = "",
    schedule_cron: str | None = None,
    schedule_running: bool = False,
) -> Iterator[Deployment]:
    """Simulator, webserver and daemon on a fresh instance under ``root``; the schedule is
    stopped before the daemon starts unless ``schedule_running``."""
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    (root / "reports").mkdir()
    config = SimulatorConfig(tracks=tracks, day=day, seed=1, faults=FaultSpec.parse(faults))
    extra = {"TRACK_SYNC_SCHEDULE_CRON": schedule_cron} if schedule_cron else {}
    with serve_in_thread(config) as simulator:
        env = deployment_env(root, home, simulator, **extra)
        port = free_port()
        graphql = GraphQL(f"http://127.0.0.1:{port}")
        processes: list[subprocess.Popen[bytes]] = []
        instance = DagsterInstance.from_config(str(home))
        try:
            web_log = root / "webserver.log"
            processes.append(
                _spawn(
                    [
                        str(BIN / "dagster-webserver"),
                        *("-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)),
                    ],
                    env,
                    web_log,
                )
            )
            _wait_for_webserver(graphql, processes[0], web_log)
            deployment = Deployment(
                root=root,
                home=home,
                env=env,
                simulator=simulator,
                graphql=graphql,
                instance=instance,
                reports=root / "reports",
                catalogue_url=env["TRACK_SYNC_DATABASE_URL"],
                processes=processes,
            )
            if not schedule_running:
                deployment.set_schedule(False)
            processes.append(
                _spawn(
                    [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                    env,
                    root / "daemon.log",
                )
            )
            yield deployment
        finally:
            for process in reversed(processes):
                stop_process_group(process)
            graphql.close()
            instance.dispose()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """Under a failed test that used a deployment: its runs and the daemon log's tail."""
    report = yield
    deployment = getattr(item, "funcargs", {}).get("deployment")
    if report.when == "call" and report.failed and isinstance(deployment, Deployment):
        try:
            report.sections.append(("deployment diagnostics", deployment.diagnostics()))
        except Exception as error:  # the diagnostics must never hide the failure
            report.sections.append(("deployment diagnostics", f"unavailable: {error!r}"))
    return report
