"""Sync runs, the history read back, and the table views for checks and reports."""

from __future__ import annotations

import pandas as pd
import pytest
from store_factories import day, fetched, listing, listings

from track_sync_assets.store import CatalogueStore, ChangeKind, RunStatus


def test_a_run_records_its_stages_counts_requests_and_outcome(store: CatalogueStore) -> None:
    store.start_run("run-1", day(0))
    assert store.get_run("run-1").status is RunStatus.RUNNING  # type: ignore[union-attr]
    store.record_stage("run-1", "track_list", 3.14159)
    store.record_stage(
        "run-1", "dashboards", 40.5, counts={"ok": 2}, requests={"dashboard": 2, "robots": 1}
    )
    store.apply_sync("run-1", listings("alpha", "bravo"), now=day(0))

    store.finish_run("run-1", "succeeded", finished_at=day(0).replace(minute=5))

    run = store.get_run("run-1")
    assert run is not None
    assert run.status is RunStatus.SUCCEEDED
    assert (run.started_at, run.finished_at) == (day(0), day(0).replace(minute=5))
    assert run.timings == {"track_list": 3.142, "dashboards": 40.5}
    assert run.requests == {"dashboards": {"dashboard": 2, "robots": 1}}
    assert run.counts is not None
    assert run.counts["dashboards"] == {"ok": 2}
    assert run.counts["catalogue"]["added"] == 2
    assert run.counts["catalogue"]["listed"] == 2
    assert run.error is None


def test_finish_run_replaces_only_the_details_it_is_given(store: CatalogueStore) -> None:
    store.record_stage("run-1", "geocoding", 1.0, counts={"found": 1})

    store.finish_run("run-1", "succeeded", timings={"total": 9.0})

    run = store.get_run("run-1")
    assert run is not None
    assert run.timings == {"total": 9.0}
    assert run.counts == {"geocoding": {"found": 1}}


def test_a_failed_run_keeps_its_error_and_a_run_cannot_finish_as_running(
    store: CatalogueStore,
) -> None:
    store.start_run("run-1", day(0))
    store.finish_run("run-1", RunStatus.FAILED, error="track list rejected by the sanity guard")

    run = store.get_run("run-1")
    assert run is not None
    assert run.status is RunStatus.FAILED
    assert run.error == "track list rejected by the sanity guard"
    assert run.counts is None
    assert [r.run_id for r in store.recent_runs()] == ["run-1"]
    with pytest.raises(ValueError, match="final status"):
        store.finish_run("run-1", "running")


def test_the_history_of_a_track_reads_back_decoded_in_order(store: CatalogueStore) -> None:
    store.apply_sync("run-1", [listing("alpha")], {"alpha": fetched("alpha", day(0))}, now=day(0))
    store.apply_sync("run-2", [listing("alpha", name="Alpha II")], now=day(1))

    history = store.history_for_track("ALPHA")

    assert [(h.run_id, h.kind, h.field) for h in history] == [
        ("run-1", ChangeKind.ADDED, None),
        ("run-2", ChangeKind.UPDATED, "name"),
    ]
    assert history[0].new_value["city"] == "Lucama"
    assert history[0].new_value["name"] == "Alpha Raceway"
    assert "total_laps" not in history[0].new_value
    assert history[1].to_dict()["changed_at"] == day(1).isoformat()


def test_the_tracks_frame_has_typed_columns_for_checks_and_reports(
    store: CatalogueStore,
) -> None:
    store.apply_sync(
        "run-1", listings("alpha", "bravo"), {"alpha": fetched("alpha", day(0))}, now=day(0)
    )

    frame = store.tracks_frame()

    assert list(frame["slug"]) == ["alpha", "bravo"]
    assert frame["total_laps"].dtype == "Int64"
    assert frame["total_laps"].isna().tolist() == [False, True]
    assert frame["is_live"].dtype == "boolean"
    assert frame["latitude"].dtype == "Float64"
    assert isinstance(frame["dashboard_fetched_at"].dtype, pd.DatetimeTZDtype)
    assert len(store.tracks_frame(active_only=True)) == 2
