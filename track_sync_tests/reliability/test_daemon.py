"""The daemon drives the schedule; the run worker of the dashboards run is killed (-9).

Dagster's run monitoring cannot always see that a worker died; the ``close_dead_runs``
sensor (every 60 s) closes the run, and the schedule's next sync completes with the
catalogue a clean deployment has.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pandas as pd
import pytest
from dagster import DagsterRunStatus

from track_sync_assets.defs.runs import sync_id_of_run
from track_sync_assets.defs.tags import PID_TAG
from track_sync_assets.store import RunStatus
from track_sync_tests.conftest import PROJECT_ROOT, create_instance_storage
from track_sync_tests.reliability.conftest import (
    DAGSTER_DAEMON,
    SiteFactory,
    differing_tracks,
    record_result,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

CLOSED_WITHIN_S = 150.0
"""The sensor runs every 60 s; the daemon's own ticks add a little."""


def test_a_killed_run_worker_is_closed_by_the_daemon_and_the_next_sync_completes(
    sites: SiteFactory, clean_catalogue: pd.DataFrame
) -> None:
    site = sites("daemon", latency_ms=400, TRACK_SYNC_SCHEDULE_CRON="* * * * *")
    create_instance_storage(site.dagster_home, **site.env)
    daemon = site.start("run", "-w", str(PROJECT_ROOT / "workspace.yaml"), program=DAGSTER_DAEMON)

    def dashboards_running() -> str | None:
        assert daemon.poll() is None, "the daemon stopped"
        run = site.running_with_pid("dashboards_job")
        return run.run_id if run is not None and len(site.dashboard_requests()) >= 20 else None

    run_id = wait_for("a scheduled dashboards run fetching", dashboards_running, 240, 0.2)
    with site.instance() as instance:
        worker = int(instance.get_run_by_id(run_id).tags[PID_TAG])
    assert worker != daemon.pid
    os.kill(worker, signal.SIGKILL)
    killed_at = time.monotonic()

    def closed() -> bool:
        with site.instance() as instance:
            return instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE

    wait_for("the killed run marked FAILURE", closed, CLOSED_WITHIN_S, 1.0)
    closed_after = time.monotonic() - killed_at
    with site.instance() as instance:
        run = instance.get_run_by_id(run_id)
        failure = instance.get_records_for_run(run_id).records
        later = [
            r for r in instance.get_runs() if sync_id_of_run(r) == sync_id_of_run(run) and r != run
        ]
    messages = [r.event_log_entry.message for r in failure if r.event_log_entry.message]
    closer = "close_dead_runs" if any("Closed by track-sync" in m for m in messages) else "Dagster"
    with site.store() as store:
        record = store.get_run(sync_id_of_run(run))
    assert record is not None
    if not later:  # a retry of the same sync may already have reopened the row
        assert record.status is RunStatus.FAILED and record.error, record

    def caught_up() -> bool:
        assert daemon.poll() is None, "the daemon stopped"
        for later_run in site.runs("catalogue_job"):
            if later_run.status == DagsterRunStatus.SUCCESS:
                return not differing_tracks(clean_catalogue, site.catalogue())
        return False

    wait_for("a later sync completing the catalogue", caught_up, 300, 2.0)
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the daemon did not stop on SIGTERM within 30 s")
    diffs = differing_tracks(clean_catalogue, site.catalogue())
    record_result(
        "daemon: run worker of the dashboards run killed",
        site.database,
        f"closed by {closer} after {closed_after:.0f} s, next sync completed",
        len(diffs),
    )
    assert closed_after <= CLOSED_WITHIN_S
    assert diffs == {}
