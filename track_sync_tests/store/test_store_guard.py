"""The sanity guard: a partial list never deactivates the catalogue."""

from __future__ import annotations

import pytest
from store_factories import day, listings

from track_sync_assets.store import (
    CatalogueStore,
    SanityGuard,
    TrackListRejected,
    evaluate_guard,
)

TEN = [f"track{i}" for i in range(10)]


def test_a_list_failing_the_guard_raises_a_clear_error_and_writes_nothing(
    store: CatalogueStore,
) -> None:
    store.apply_sync("run-1", listings(*TEN), now=day(0))
    before = store.tracks_frame()

    with pytest.raises(TrackListRejected, match=r"only 3 of 10 active tracks \(30.0%\)") as info:
        store.apply_sync("run-2", listings(*TEN[:3], "newcomer"), now=day(1))

    assert info.value.verdict.would_deactivate == 7
    assert store.tracks_frame().equals(before)
    assert store.get_track("newcomer") is None
    assert store.get_run("run-2") is None
    assert store.changes_for_run("run-2") == []


def test_an_empty_list_is_rejected_even_on_an_empty_catalogue(store: CatalogueStore) -> None:
    with pytest.raises(TrackListRejected, match="fewer than the minimum 1"):
        store.apply_sync("run-1", [], now=day(0))


def test_check_guard_reports_the_figures_without_writing(store: CatalogueStore) -> None:
    store.apply_sync("run-1", listings(*TEN), now=day(0))

    verdict = store.check_guard(listings(*TEN[:9], "newcomer"))

    assert verdict.passes
    assert (verdict.active_count, verdict.listed_count, verdict.retained_count) == (10, 10, 9)
    assert verdict.share == pytest.approx(0.9)
    assert verdict.would_deactivate == 1
    strict = store.check_guard(listings(*TEN[:9]), SanityGuard(min_share_of_active=0.95))
    assert not strict.passes
    assert "below the minimum 95.0%" in strict.message


def test_the_share_counts_active_tracks_still_listed_not_the_list_length() -> None:
    verdict = evaluate_guard(
        listed_keys=[f"new{i}" for i in range(10)], active_keys=TEN, guard=SanityGuard()
    )

    assert not verdict.passes
    assert verdict.share == 0.0
    assert verdict.would_deactivate == 10


def test_guard_defaults_are_one_row_and_80_percent() -> None:
    assert SanityGuard() == SanityGuard(min_rows=1, min_share_of_active=0.8)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_share_of_active": 1.5}, "min_share_of_active"),
        ({"min_share_of_active": -0.1}, "min_share_of_active"),
        ({"min_rows": -1}, "min_rows"),
    ],
)
def test_bad_guard_thresholds_are_a_clear_error(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SanityGuard(**options)  # type: ignore[arg-type]
