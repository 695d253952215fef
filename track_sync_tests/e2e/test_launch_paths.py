"""Every way an operator launches fetches from the UI does one sync's work, once (issue 9).

One deployment (webserver + daemon + simulator) serves the whole module; each test launches one
path the way the UI does (Materialize, the Partitions tab's presets, a hand-picked selection,
re-execution, Materialize all), waits until the chain settles and checks the runs created, the
requests the simulator saw, the reports written, and that no two runs ran sync steps at once.
The tests run in file order: a repair needs the failures of the first launch, for instance.
The launches that start a whole chain (jobs page, schedule, commands) are in
test_launch_chains.py, on a deployment of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from track_sync_assets.defs.dagster_internals import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
)
from track_sync_assets.defs.jobs import run_assets
from track_sync_assets.defs.tags import RESULT_TAG, SYNC_ID_TAG, TARGET_TAG
from track_sync_tests.e2e.conftest import (
    ALL_ASSETS,
    DASHBOARDS,
    Deployment,
    contiguous_ranges,
)
from track_sync_tests.e2e.launching import (
    MAX_ATTEMPTS,
    SENSOR_TAG,
    assert_backfill_ranges,
    assert_fetched_once,
    assert_no_overlapping_sync_steps,
    assert_one_catalogue_update,
    fail_some_tracks,
    launch_deployment,
    listed_keys,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("launch_paths")
    with launch_deployment(root) as deployment:
        yield deployment


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
