"""The full daily chain against the simulator, on a real Dagster instance and database.

Each test runs once on SQLite and once on PostgreSQL (see ``deployment``).
"""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, DagsterRunStatus

from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.tags import RESULT_TAG
from track_sync_assets.domain import CATALOGUE_FIELDS, DASHBOARD_FIELDS
from track_sync_assets.operator.runner import ChainOutcome, refetch_failed, run_sync_chain
from track_sync_assets.simulator import FaultSpec
from track_sync_tests.dagster.conftest import Deployment

DASHBOARDS = AssetKey("track_dashboards")
LATER_DAY = 12


def sync(deployment: Deployment, *, full_refresh: bool = False) -> ChainOutcome:
    lines: list[str] = []
    outcome = run_sync_chain(
        deployment.defs, deployment.instance, echo=lines.append, full_refresh=full_refresh
    )
    assert lines == outcome.lines and lines, "one progress line per stage"
    return outcome


def listed_keys(deployment: Deployment) -> set[str]:
    return {track.listing().slug_key for track in deployment.simulator.catalogue}


def catalogue_view(deployment: Deployment) -> dict[str, dict]:
    """Ground truth of every listed track's catalogue fields, as the simulator serves it."""
    view = {}
    for track in deployment.simulator.catalogue:
        listing, dashboard = track.listing(), track.dashboard()
        fields = {k: getattr(dashboard, k) for k in DASHBOARD_FIELDS if k in CATALOGUE_FIELDS}
        view[listing.slug_key] = {"name": listing.name, "dashboard_name": dashboard.name, **fields}
    return view


def latest_report(deployment: Deployment) -> str:
    reports = sorted(Path(deployment.reports_dir).glob("track-sync-*.md"))
    assert reports, "no report written"
    return reports[-1].read_text(encoding="utf-8")


def test_day_one_builds_the_catalogue_and_day_two_reports_only_real_changes(
    deployment: Deployment,
) -> None:
    day1 = listed_keys(deployment)
    day1_view = catalogue_view(deployment)

    first = sync(deployment)
    assert first.succeeded, first.lines
    store = deployment.store()
    assert store.track_count(active_only=True) == len(day1)
    partitions = set(deployment.instance.get_dynamic_partitions(TRACK_PARTITIONS.name))
    assert partitions == day1
    assert deployment.instance.get_materialized_partitions(DASHBOARDS) == day1
    frame = store.tracks_frame()
    assert frame["latitude"].notna().mean() > 0.9, "most tracks should be geocoded"
    assert f"## New tracks ({len(day1)})" in latest_report(deployment)
    assert store.get_run(first.sync_id).status.value == "succeeded"

    deployment.simulator.set_day(LATER_DAY)
    later = listed_keys(deployment)
    later_view = catalogue_view(deployment)
    departed, arrived = day1 - later, later - day1
    changed = {k for k in day1 & later if day1_view[k] != later_view[k]}
    assert departed and arrived and changed, "the simulated day must exercise every kind"

    second = sync(deployment, full_refresh=True)  # simulated days pass faster than the clock
    assert second.succeeded, second.lines
    run = deployment.store().get_run(second.sync_id)
    counts = run.counts["catalogue"]
    assert counts["added"] == len(arrived)
    assert counts["deactivated"] == len(departed)
    assert counts["updated"] == len(changed)
    assert counts["reactivated"] == 0
    assert counts["refreshed"] + counts["unchanged"] == len(day1 & later) - len(changed)

    report = latest_report(deployment)
    assert f"## New tracks ({len(arrived)})" in report
    assert f"## Deactivated ({len(departed)})" in report
    assert f"## Catalogue changes ({len(changed)} tracks)" in report
    for slug in departed | arrived:
        assert slug in report.lower()
    # Partitions are never deleted: departed tracks keep theirs (and their history).
    partitions = set(deployment.instance.get_dynamic_partitions(TRACK_PARTITIONS.name))
    assert partitions == day1 | later
    assert deployment.instance.get_materialized_partitions(DASHBOARDS) == day1 | later

    third = sync(deployment)  # same day again: nothing changes
    counts = deployment.store().get_run(third.sync_id).counts["catalogue"]
    assert counts["added"] == counts["updated"] == counts["deactivated"] == 0


def test_failing_tracks_fail_alone_keep_their_data_and_are_repaired_by_a_refetch(
    deployment: Deployment,
) -> None:
    assert sync(deployment).succeeded
    tracks = sorted(listed_keys(deployment))
    broken, flaky = tracks[3], tracks[10]
    store = deployment.store()
    before = store.get_track(broken)
    assert before["email"] and before["city"]

    deployment.simulator.set_day(2)
    deployment.simulator.set_faults(FaultSpec.parse(f"broken={broken},flaky={flaky}:1"))
    outcome = sync(deployment, full_refresh=True)
    assert outcome.succeeded, outcome.lines
    assert outcome.dashboards_result == "partial"
    dashboards_run = deployment.instance.get_run_by_id(outcome.run_ids["dashboards"])
    assert dashboards_run.status == DagsterRunStatus.FAILURE
    assert dashboards_run.tags[RESULT_TAG] == "partial"

    statuses = deployment.instance.get_status_by_partition(DASHBOARDS, tracks, TRACK_PARTITIONS)
    assert str(statuses[broken]).endswith("FAILED")
    assert str(statuses[flaky]).endswith("MATERIALIZED"), "one 503 is retried by the client"
    failed = {k for k, s in statuses.items() if str(s).endswith("FAILED")}
    assert failed == {broken}

    after = deployment.store().get_track(broken)
    assert after["dashboard_status"] == "failed"
    assert "500" in after["dashboard_error"]
    for field in ("email", "city", "street_address", "latitude", "phone", "website"):
        assert after[field] == before[field], f"{field} must survive a failed fetch"
    report = latest_report(deployment)
    assert "## Dashboard failures (1)" in report
    assert broken in report

    deployment.simulator.set_faults(FaultSpec())
    lines: list[str] = []
    repaired = refetch_failed(deployment.defs, deployment.instance, echo=lines.append)
    assert repaired.succeeded, lines
    assert deployment.instance.get_materialized_partitions(DASHBOARDS) >= set(tracks)
    statuses = deployment.instance.get_status_by_partition(DASHBOARDS, [broken], TRACK_PARTITIONS)
    assert str(statuses[broken]).endswith("MATERIALIZED")
    assert deployment.store().get_track(broken)["dashboard_status"] in ("ok", "not_modified")
    assert "## Dashboard failures (0)" in latest_report(deployment)


def test_a_truncated_or_short_track_list_stops_the_sync_and_deactivates_nothing(
    deployment: Deployment,
) -> None:
    assert sync(deployment).succeeded
    active = deployment.store().track_count(active_only=True)

    deployment.simulator.set_faults(FaultSpec.parse("list=cut"))
    truncated = sync(deployment)
    assert not truncated.succeeded
    assert "track list" in truncated.lines[0]
    assert "dashboards" not in truncated.run_ids

    deployment.simulator.set_faults(FaultSpec.parse("list=truncated,list_rows=10"))
    short = sync(deployment)
    assert not short.succeeded
    assert "dashboards" not in short.run_ids, "the blocking guard stops the chain"
    list_run = deployment.instance.get_run_by_id(short.run_ids["track_list"])
    assert list_run.status == DagsterRunStatus.FAILURE
    evaluations = [
        e
        for e in deployment.instance.all_logs(list_run.run_id)
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    assert evaluations and not evaluations[0].dagster_event.event_specific_data.passed
    assert deployment.store().track_count(active_only=True) == active
