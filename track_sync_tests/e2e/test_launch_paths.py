"""Every way an operator launches work does one sync's work, once (issue 9).

One deployment (webserver + daemon + simulator) serves the whole module; each test launches one
path the way the UI does, waits until the chain settles and checks the runs created, the
requests the simulator saw, the reports written, and that no two runs ran sync steps at once.
The tests run in file order: a repair needs the failures of the first launch, for instance.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from track_sync_assets.defs.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
)
from track_sync_assets.defs.jobs import run_assets
from track_sync_assets.defs.tags import (
    LEASE_TAG,
    RESULT_TAG,
    SYNC_ID_TAG,
    TARGET_TAG,
)
from track_sync_assets.simulator.faults import FaultSpec
from track_sync_tests.e2e.conftest import (
    ALL_ASSETS,
    DASHBOARDS,
    Deployment,
    Outcome,
    contiguous_ranges,
    overlapping,
    running_deployment,
)

pytestmark = pytest.mark.slow

TRACKS = 120
MAX_ATTEMPTS = 2
BROKEN_AT = (7, 33, 34, 95)
"""List positions of the tracks that fail: scattered, two of them neighbours."""
SENSOR_TAG = "dagster/sensor_name"
TRACK_SYNC = Path(sys.executable).parent / "track-sync"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("launch_paths")
    with running_deployment(root, tracks=TRACKS, schedule_cron="* * * * *") as deployment:
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
    assert overlapping(deployment.step_intervals()) == []


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


def test_materialize_on_the_track_list_fetches_the_plan_once_then_updates_the_catalogue_once(
    deployment: Deployment,
) -> None:
    broken, outcome = fail_some_tracks(deployment)

    (listing,) = [r for r in outcome.runs if r.dagster_run.job_name == "__ASSET_JOB"]
    list_run = listing.dagster_run.run_id
    (plan,) = outcome.fetching()
    assert plan.dagster_run.job_name == "dashboards_job"
    assert plan.dagster_run.tags[TARGET_TAG] == "plan"
    assert plan.dagster_run.tags[SENSOR_TAG] == "dashboards_after_track_list"
    assert plan.dagster_run.tags[SYNC_ID_TAG] == list_run
    assert plan.dagster_run.tags[RESULT_TAG] == "partial"
    assert_one_catalogue_update(outcome, sync_id=list_run)
    assert len(outcome.runs) == 3, outcome.describe()
    # A fresh catalogue: the plan is every listed track; a broken one is tried MAX_ATTEMPTS times.
    expected = {key: MAX_ATTEMPTS if key in broken else 1 for key in listed_keys(deployment)}
    assert dict(outcome.fetches) == expected
    assert sorted(deployment.partition_health()["failed"]) == sorted(broken)
    assert_no_overlapping_sync_steps(deployment)


def test_the_failed_preset_repairs_them_in_one_run_per_range_then_one_catalogue_update(
    deployment: Deployment,
) -> None:
    failed = deployment.partition_health()["failed"]
    if not failed:
        failed, _ = fail_some_tracks(deployment)
    ranges = contiguous_ranges(failed, deployment.partition_keys())
    assert 1 < len(ranges) < len(failed), "the failures are scattered, two are neighbours"

    mark = deployment.mark()
    backfill = deployment.backfill(["track_dashboards"], failed)
    outcome = deployment.settle(mark)

    assert_backfill_ranges(outcome, backfill, ranges)
    assert all(r.dagster_run.tags[RESULT_TAG] == "complete" for r in outcome.fetching())
    assert_one_catalogue_update(outcome)
    assert outcome.updating()[0].dagster_run.tags["track_sync/after_fetch_runs"] == str(len(ranges))
    assert len(outcome.runs) == len(ranges) + 1, outcome.describe()
    assert_fetched_once(outcome, failed)
    assert deployment.partition_health()["failed"] == []
    assert_no_overlapping_sync_steps(deployment)


def test_hand_picked_scattered_tracks_are_fetched_once_then_one_catalogue_update(
    deployment: Deployment,
) -> None:
    keys = deployment.partition_keys()
    picked = [keys[3], keys[50], keys[51], keys[52], keys[110]]
    ranges = contiguous_ranges(picked, keys)
    assert len(ranges) == 3

    mark = deployment.mark()
    backfill = deployment.backfill(["track_dashboards"], picked)
    outcome = deployment.settle(mark)

    assert_backfill_ranges(outcome, backfill, ranges)
    assert_one_catalogue_update(outcome)
    assert len(outcome.runs) == len(ranges) + 1, outcome.describe()
    assert_fetched_once(outcome, picked)
    assert_no_overlapping_sync_steps(deployment)


def test_the_all_preset_fetches_every_track_once_in_one_run(deployment: Deployment) -> None:
    keys = deployment.partition_keys()

    mark = deployment.mark()
    backfill = deployment.backfill(["track_dashboards"], keys)
    outcome = deployment.settle(mark)

    assert_backfill_ranges(outcome, backfill, [keys])
    assert_one_catalogue_update(outcome)
    assert len(outcome.runs) == 2, outcome.describe()
    assert_fetched_once(outcome, keys)
    assert_no_overlapping_sync_steps(deployment)


def test_reexecuting_a_finished_dashboards_run_fetches_its_tracks_once_then_one_update(
    deployment: Deployment,
) -> None:
    keys = deployment.partition_keys()
    selections = [
        r
        for r in deployment.instance.get_run_records()
        if DASHBOARDS in run_assets(r.dagster_run)
        and TARGET_TAG not in r.dagster_run.tags
        and r.dagster_run.tags.get(ASSET_PARTITION_RANGE_START_TAG) == keys[0]
        and r.dagster_run.tags.get(ASSET_PARTITION_RANGE_END_TAG) == keys[-1]
    ]
    assert selections, "the All preset's run (previous test) is there to re-execute"
    parent = selections[0].dagster_run.run_id

    mark = deployment.mark()
    child = deployment.reexecute(parent)
    outcome = deployment.settle(mark)

    (rerun,) = outcome.fetching()
    assert rerun.dagster_run.run_id == child
    assert rerun.dagster_run.parent_run_id == parent
    assert_one_catalogue_update(outcome)
    assert len(outcome.runs) == 2, outcome.describe()
    assert_fetched_once(outcome, keys)
    assert_no_overlapping_sync_steps(deployment)


def test_materialize_all_is_one_backfill_with_one_fetch_per_track_and_one_update(
    deployment: Deployment,
) -> None:
    mark = deployment.mark()
    backfill = deployment.backfill(ALL_ASSETS, all_partitions=True)
    outcome = deployment.settle(mark)

    stray = [r for r in outcome.runs if r.dagster_run.tags.get(BACKFILL_ID_TAG) != backfill]
    assert stray == [], outcome.describe()
    assert len(outcome.fetching()) == 1, outcome.describe()
    assert len(outcome.updating()) == 1, outcome.describe()
    assert len(outcome.reports) == 1, outcome.describe()
    assert_fetched_once(outcome, deployment.partition_keys())
    assert_no_overlapping_sync_steps(deployment)


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


def test_the_jobs_page_launch_of_track_list_job_runs_the_chain_once(
    deployment: Deployment,
) -> None:
    deployment.simulator.set_day(4)

    mark = deployment.mark()
    deployment.materialize(["liverc_track_list"], job="track_list_job")
    outcome = deployment.settle(mark)

    assert_plan_chain(deployment, outcome, "track_list_job")
    assert_no_overlapping_sync_steps(deployment)


def test_the_schedule_tick_runs_the_chain_once(deployment: Deployment) -> None:
    deployment.simulator.set_day(7)
    mark = deployment.mark()
    deployment.set_schedule(True)
    try:
        (first,) = deployment.wait_for_runs(mark, 1, timeout_s=90)
    finally:
        deployment.set_schedule(False)
    assert first.dagster_run.tags["dagster/schedule_name"] == "daily_track_sync"

    outcome = deployment.settle(mark)

    assert_plan_chain(deployment, outcome, "track_list_job")
    assert_no_overlapping_sync_steps(deployment)


def test_commands_run_alongside_the_daemon_make_one_chain_each(deployment: Deployment) -> None:
    """With a daemon running, ``track-sync sync --full`` and ``refetch`` submit their first run
    to the queue; the sensors chain the rest once, and every run enters the command's lease."""
    deployment.simulator.set_day(10)
    listings = deployment.simulator.catalogue.listings()
    broken = [listings[i] for i in BROKEN_AT[:2]]
    deployment.simulator.set_faults(FaultSpec.parse("broken=" + "+".join(b.slug for b in broken)))
    mark = deployment.mark()
    try:
        synced = track_sync(deployment, "sync", "--full")
    finally:
        deployment.simulator.set_faults(FaultSpec())
    refetched = track_sync(deployment, "refetch")
    outcome = deployment.settle(mark)

    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert refetched.returncode == 0, refetched.stdout + refetched.stderr
    jobs = [r.dagster_run.job_name for r in outcome.runs]
    assert jobs == [
        "track_list_job",
        "dashboards_job",
        "catalogue_job",
        "dashboards_job",
        "catalogue_job",
    ], outcome.describe()
    assert all(LEASE_TAG in r.dagster_run.tags for r in outcome.runs), outcome.describe()
    assert len(outcome.reports) == 2
    repaired = [b.slug_key for b in broken]
    assert {k: outcome.fetches[k] for k in repaired} == dict.fromkeys(repaired, MAX_ATTEMPTS + 1)
    others = {k: n for k, n in outcome.fetches.items() if k not in repaired and n != 1}
    assert others == {}, outcome.describe()
    assert_no_overlapping_sync_steps(deployment)


def track_sync(deployment: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command, on the deployment's instance and catalogue."""
    return subprocess.run(
        [str(TRACK_SYNC), *args],
        env=deployment.env,
        cwd=deployment.root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
