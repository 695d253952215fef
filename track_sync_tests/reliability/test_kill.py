"""``kill -9`` of ``track-sync sync`` at three points, then a plain sync that completes.

A killed sync must not block the next one: the next command closes the dead run at once
(marked FAILURE in Dagster, its ``sync_runs`` row failed with the cause), takes the sync
lease and ends with the catalogue a clean deployment has, field for field.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

import pandas as pd
import pytest
from dagster import DagsterRunStatus

from track_sync_assets.defs.runs import sync_id_of_run
from track_sync_assets.defs.tags import PID_TAG
from track_sync_assets.store import RunStatus
from track_sync_tests.reliability.conftest import (
    Site,
    SiteFactory,
    differing_tracks,
    explain,
    record_result,
    stop_group,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.reliability]


@dataclass(frozen=True)
class KillPoint:
    """Where the kill lands: a run of ``job`` is executing, and the simulator has answered at
    least ``dashboards_seen`` dashboards."""

    job: str
    latency_ms: float = 0.0
    faults: str = ""
    dashboards_seen: int = 0


KILL_POINTS = {
    # The list's first answer waits 5 s: the kill lands while it is being fetched.
    "list": KillPoint("track_list_job", faults="list=slow:1,slow_delay=5"),
    # 150 ms per answer: 100 dashboards take ~3 s; the first batch of 50 is stored.
    "dashboards": KillPoint("dashboards_job", latency_ms=150, dashboards_seen=60),
    "catalogue": KillPoint("catalogue_job"),
}


def kill_sync_at(site: Site, point: KillPoint) -> str:
    """Start ``track-sync sync``, ``kill -9`` it at ``point``; the id of the run killed."""
    process = site.start("sync")

    def landed() -> str | None:
        if process.poll() is not None:
            pytest.fail(f"the sync ended (exit {process.returncode}) before the kill point")
        run = site.running_with_pid(point.job)
        if run is None or len(site.dashboard_requests()) < point.dashboards_seen:
            return None
        return run.run_id

    run_id = wait_for(f"a {point.job} run in progress", landed, timeout_s=120, every_s=0.05)
    os.kill(process.pid, signal.SIGKILL)
    stop_group(process)
    assert process.returncode == -signal.SIGKILL
    return run_id


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_sync_killed_mid_step_is_closed_and_the_next_sync_completes(
    sites: SiteFactory, clean_catalogue: pd.DataFrame, point: str
) -> None:
    kill = KILL_POINTS[point]
    site = sites("killed", latency_ms=kill.latency_ms, faults=kill.faults)
    killed_run_id = kill_sync_at(site, kill)
    with site.instance() as instance:
        killed = instance.get_run_by_id(killed_run_id)
    assert killed.status == DagsterRunStatus.STARTED, "nothing closed the run yet"

    again = site.run("sync", "--full")

    assert again.returncode == 0, explain(again)
    assert "one sync at a time" not in again.stdout + again.stderr
    assert f"closed a dead run: run {killed_run_id}" in again.stdout, explain(again)
    with site.instance() as instance:
        killed = instance.get_run_by_id(killed_run_id)
    assert killed.status == DagsterRunStatus.FAILURE
    assert killed.tags[PID_TAG].isdigit()
    with site.store() as store:
        record = store.get_run(sync_id_of_run(killed))
        assert store.lease_holder() is None, "the lease is given back after the sync"
    assert record is not None, "the killed sync has its sync_runs row"
    assert record.status is RunStatus.FAILED
    assert record.error and "gone (killed or crashed)" in record.error
    diffs = differing_tracks(clean_catalogue, site.catalogue())
    outcome = "recovered, same catalogue" if not diffs else "catalogue differs"
    record_result(f"kill -9 during {point}, then sync --full", site.database, outcome, len(diffs))
    assert diffs == {}, "the catalogue differs from a clean run's"
