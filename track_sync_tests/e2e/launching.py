"""What the launch-path tests share: the deployment's size, the broken tracks, and the
assertions on a settled chain (runs, fetches, reports, overlapping steps)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from track_sync_assets.defs.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
)
from track_sync_assets.defs.tags import SYNC_ID_TAG, TARGET_TAG
from track_sync_assets.simulator.faults import FaultSpec
from track_sync_tests.conftest import run_track_sync
from track_sync_tests.e2e.conftest import Deployment, Outcome, overlapping, running_deployment

TRACKS = 120
MAX_ATTEMPTS = 2
BROKEN_AT = (7, 33, 34, 95)
"""List positions of the tracks that fail: scattered, two of them neighbours."""
SENSOR_TAG = "dagster/sensor_name"
COMMAND_TIMEOUT_S = 480
"""A command's whole chain; CI's loaded machine once needed more than 300 s for a refetch."""


@contextmanager
def launch_deployment(root: Path, **options: str) -> Iterator[Deployment]:
    """The module's deployment: TRACKS tracks on a fresh instance and catalogue."""
    with running_deployment(root, tracks=TRACKS, **options) as deployment:
        yield deployment


def listed_keys(deployment: Deployment) -> list[str]:
    """The partition keys of the tracks on the simulator's list today, in list order."""
    return [listing.slug_key for listing in deployment.simulator.catalogue.listings()]


def fail_some_tracks(deployment: Deployment) -> tuple[list[str], Outcome]:
    """Materialize the track list while a few scattered tracks answer 500 for good; the
    faults are cleared afterwards. Returns the broken tracks' keys and the outcome."""
    listings = deployment.simulator.catalogue.listings()
    broken = [listings[i] for i in BROKEN_AT]
    spec = "broken=" + "+".join(listing.slug for listing in broken)
    deployment.simulator.set_faults(FaultSpec.parse(spec))
    try:
        mark = deployment.mark()
        deployment.materialize(["liverc_track_list"])
        outcome = deployment.settle(mark)
    finally:
        deployment.simulator.set_faults(FaultSpec())
    return [listing.slug_key for listing in broken], outcome


def assert_fetched_once(outcome: Outcome, keys: Sequence[str]) -> None:
    twice = {key: n for key, n in outcome.fetches.items() if n != 1}
    assert not twice, f"dashboards fetched more than once: {twice}\n{outcome.describe()}"
    assert set(outcome.fetches) == set(keys), outcome.describe()


def assert_one_catalogue_update(outcome: Outcome, sync_id: str | None = None) -> None:
    updates = outcome.updating()
    assert len(updates) == 1, outcome.describe()
    assert updates[0].dagster_run.job_name == "catalogue_job"
    assert updates[0].dagster_run.tags[SENSOR_TAG] == "catalogue_after_fetching"
    if sync_id is not None:
        assert updates[0].dagster_run.tags[SYNC_ID_TAG] == sync_id
    assert len(outcome.reports) == 1, outcome.describe()


def assert_no_overlapping_sync_steps(deployment: Deployment) -> None:
    """No two owners held the sync lease at the same time: no two runs' own holds, and no
    run's hold beside a command's (steps may start, and finish their bookkeeping, side by side;
    their work is inside the lease)."""
    assert overlapping(deployment.lease_intervals()) == []


def assert_backfill_ranges(outcome: Outcome, backfill_id: str, ranges: list[list[str]]) -> None:
    """One dashboards run per contiguous range of the selection, all of the backfill."""
    fetching = outcome.fetching()
    assert len(fetching) == len(ranges), outcome.describe()
    got = sorted(
        (
            r.dagster_run.tags[ASSET_PARTITION_RANGE_START_TAG],
            r.dagster_run.tags[ASSET_PARTITION_RANGE_END_TAG],
        )
        for r in fetching
    )
    assert got == sorted((keys[0], keys[-1]) for keys in ranges)
    for record in fetching:
        assert record.dagster_run.tags[BACKFILL_ID_TAG] == backfill_id
        assert TARGET_TAG not in record.dagster_run.tags


def assert_plan_chain(deployment: Deployment, outcome: Outcome, first_job: str) -> str:
    """The list run, one plan run of the same sync, one catalogue update; each dashboard the
    plan targeted fetched once. Returns the sync id."""
    firsts = outcome.of_job(first_job)
    assert len(firsts) == 1, outcome.describe()
    sync_id = firsts[0].dagster_run.run_id
    plans = outcome.fetching()
    assert len(plans) == 1, outcome.describe()
    plan = plans[0]
    assert plan.dagster_run.tags[TARGET_TAG] == "plan"
    assert plan.dagster_run.tags[SYNC_ID_TAG] == sync_id
    assert plan.dagster_run.tags[SENSOR_TAG] == "dashboards_after_track_list"
    assert_one_catalogue_update(outcome, sync_id=sync_id)
    assert len(outcome.runs) == 3, outcome.describe()
    record = deployment.sync_run(sync_id)
    assert record is not None
    targeted = record.counts["dashboards"]["targeted"]
    assert targeted > 0, "the simulator's new day makes some tracks due"
    assert len(outcome.fetches) == targeted
    assert set(outcome.fetches.values()) == {1}, outcome.describe()
    return sync_id


def track_sync(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command, on the deployment's instance and catalogue."""
    return run_track_sync(
        list(args), env=deployment.env, cwd=deployment.root, timeout_s=COMMAND_TIMEOUT_S
    )
