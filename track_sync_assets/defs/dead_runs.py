"""Runs whose process died (``kill -9``, a crashed host) are closed, not left STARTED.

Dagster's run monitoring can only check run workers that its run launcher started; a run
executed by ``track-sync sync`` in its own process is invisible to it. Every run records
its process and host when its first step starts (``track_sync/pid``, ``track_sync/host``):
a run on this host whose process is gone is marked failed, its pool slots are freed and
its sync's record is closed with the cause. The next command does this at once; the
``close_dead_runs`` sensor does it every minute while the daemon runs.
"""

import socket

from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunsFilter,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from track_sync_assets.defs.dagster_internals import free_pool_slots
from track_sync_assets.defs.resources import CatalogueResource
from track_sync_assets.defs.runs import sync_id_of_run
from track_sync_assets.defs.tags import HOST_TAG, PID_RUN_TAG, PID_TAG
from track_sync_assets.store import CatalogueStore, RunStatus
from track_sync_assets.store.lease import process_alive

LIVE = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]


def close_dead_runs(instance: DagsterInstance, store: CatalogueStore | None) -> list[str]:
    """Close every run of this host whose process is gone; returns one line per run."""
    host = socket.gethostname()
    closed = []
    for record in instance.get_run_records(filters=RunsFilter(statuses=LIVE)):
        run = record.dagster_run
        pid = run.tags.get(PID_TAG, "")
        if (
            run.tags.get(PID_RUN_TAG) != run.run_id  # not yet written by this run itself
            or run.tags.get(HOST_TAG) != host
            or not pid.isdigit()
            or process_alive(int(pid))
        ):
            continue
        cause = f"its process {pid} on {host} is gone (killed or crashed)"
        instance.report_run_failed(run, message=f"Closed by track-sync: {cause}.")
        free_pool_slots(instance, run.run_id)
        if store is not None:
            sync_id = sync_id_of_run(run)
            record_row = store.get_run(sync_id)
            # Also when the run died before its sync's row was written: every sync that
            # started ends with a record of how it ended.
            if record_row is None or record_row.status is RunStatus.RUNNING:
                store.finish_run(sync_id, "failed", error=f"run {run.run_id}: {cause}")
        closed.append(f"run {run.run_id} ({run.job_name}): {cause}")
    return closed


@sensor(
    name="close_dead_runs",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose process died on this host, frees their pool "
    "slots and closes their sync's record.",
)
def close_dead_runs_sensor(
    context: SensorEvaluationContext, catalogue: CatalogueResource
) -> SkipReason:
    with catalogue.open() as store:
        closed = close_dead_runs(context.instance, store)
    for line in closed:
        context.log.warning(line)
    return SkipReason("; ".join(closed) if closed else "no dead runs")
