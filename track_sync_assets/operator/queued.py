"""``track-sync sync`` while a daemon runs: the runs go through the instance's queue.

Runs executed in the command's own process are second-class in Dagster 1.13's UI (no
Overview timeline, no job "last run", a version warning on re-execution). When a daemon
is running, the command instead submits the sync's first run with the public ``dagster
job launch`` (a first-class run of the workspace's code location, launched by the
daemon), lets the sensors chain the rest exactly as for the schedule, and follows the
runs that carry its sync id until the catalogue is updated or the sync has failed. It
keeps holding the sync lease; its runs carry the lease's owner id and enter it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from track_sync_assets.defs.chaining import catalogue_wanted
from track_sync_assets.defs.tags import RESULT_TAG, SYNC_ID_TAG

DAEMON_FRESH_S = 90.0
POLL_S = 2.0
WAIT_LOG_EVERY_S = 30.0


def daemon_running(instance: DagsterInstance) -> bool:
    """Whether a daemon that launches queued runs and evaluates sensors is alive."""
    beats = instance.get_daemon_heartbeats()
    now = time.time()
    return all(
        kind in beats and now - beats[kind].timestamp < DAEMON_FRESH_S
        for kind in ("QUEUED_RUN_COORDINATOR", "SENSOR")
    )


def launch(job: str, tags: Mapping[str, str], workspace: Path, run_id: str) -> None:
    """Submit a first-class run of ``job`` to the queue (``dagster job launch``)."""
    dagster = Path(sys.executable).with_name("dagster")
    command = [
        str(dagster), "job", "launch", "-w", str(workspace), "-j", job,
        "--tags", json.dumps(dict(tags)), "--run-id", run_id,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=workspace.parent, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"`dagster job launch -j {job}` failed: {last}")


def follow(
    instance: DagsterInstance,
    sync_id: str,
    say: Callable[[str], None],
    *,
    timeout_s: float,
) -> tuple[bool, dict[str, DagsterRun]]:
    """Wait for the sync's runs; True when its catalogue run succeeded. Prints each run's
    end and, every 30 s, what it is waiting for."""
    deadline = time.monotonic() + timeout_s
    seen: dict[str, DagsterRun] = {}
    reported: set[str] = set()
    logged = 0.0
    while time.monotonic() < deadline:
        runs = [
            r.dagster_run for r in instance.get_run_records(RunsFilter(tags={SYNC_ID_TAG: sync_id}))
        ]
        runs += [r for r in [instance.get_run_by_id(sync_id)] if r is not None]
        for run in runs:
            seen[run.job_name] = run
            if run.is_finished and run.run_id not in reported:
                reported.add(run.run_id)
                result = run.tags.get(RESULT_TAG)
                say(
                    f"run {run.run_id[:8]} ({run.job_name}) {run.status.value.lower()}"
                    + (f", result {result}" if result else "")
                )
        verdict = _verdict(seen)
        if verdict is not None:
            return verdict, seen
        if time.monotonic() - logged >= WAIT_LOG_EVERY_S:
            logged = time.monotonic()
            waiting = [
                f"{r.job_name} {r.status.value.lower()}" for r in seen.values() if not r.is_finished
            ]
            say(
                f"{datetime.now(UTC):%H:%M:%S} waiting for "
                + (", ".join(waiting) if waiting else "the sensors to start the next run")
            )
        time.sleep(POLL_S)
    raise TimeoutError(f"sync {sync_id} did not finish within {timeout_s:.0f} s")


def _verdict(runs: Mapping[str, DagsterRun]) -> bool | None:
    """True/False once the chain has ended; None while it may go on."""
    catalogue = runs.get("catalogue_job")
    if catalogue is not None and catalogue.is_finished:
        return catalogue.status == DagsterRunStatus.SUCCESS
    listed = runs.get("track_list_job")
    if listed is not None and listed.is_finished and listed.status != DagsterRunStatus.SUCCESS:
        return False
    fetched = runs.get("dashboards_job")
    if fetched is not None and fetched.is_finished and not catalogue_wanted(fetched):
        return False
    return None


def new_run_id() -> str:
    return str(uuid.uuid4())
