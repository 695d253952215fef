"""Which tracks the catalogue step takes (``catalogue_keys`` in defs/runs.py).

Every track on the accepted list, in list order; then, sorted, the catalogue's tracks off
the list that the refresh plan may still fetch: off the list for at most
``departed_refresh_days`` counted from the list's fetch time, or leaving it with this very
list. Older departures and slugs the catalogue never held are not taken.

The catalogue's history is built through the store's public API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from track_sync_assets.defs.runs import catalogue_keys, require_track_list
from track_sync_assets.store import CatalogueStore, SanityGuard
from track_sync_tests.store.store_factories import day, fetched, listings

PERMISSIVE = SanityGuard(min_rows=1, min_share_of_active=0.0)
WINDOW_DAYS = 30
LIST_FETCHED_AT = day(40)
HORIZON = LIST_FETCHED_AT - timedelta(days=WINDOW_DAYS)  # day 10
ONE_SECOND = timedelta(seconds=1)

STAYING = ("zulu", "Mike", "alpha")
EVER_LISTED = (
    *STAYING,
    "back-again",
    "gone-long-ago",
    "gone-a-second-too-early",
    "gone-at-the-horizon",
    "gone-last-week",
    "leaving-now",
)
TODAYS_LIST = ("zulu", "back-again", "Mike", "alpha", "newcomer")


def still_listed(*gone: str) -> list[str]:
    return [slug for slug in EVER_LISTED if slug not in gone]


@pytest.fixture
def history(store: CatalogueStore) -> CatalogueStore:
    """Tracks leave the list at different times before today's list (day 40, window 30
    days, so the horizon is day 10); today's list is saved but not yet applied."""
    store.apply_sync("run-1", listings(*EVER_LISTED), now=day(0))
    gone = ["gone-long-ago", "back-again"]
    store.apply_sync("run-2", listings(*still_listed(*gone)), now=day(2), guard=PERMISSIVE)
    gone.append("gone-a-second-too-early")
    store.apply_sync(
        "run-3", listings(*still_listed(*gone)), now=HORIZON - ONE_SECOND, guard=PERMISSIVE
    )
    gone.append("gone-at-the-horizon")
    store.apply_sync("run-4", listings(*still_listed(*gone)), now=HORIZON, guard=PERMISSIVE)
    gone.append("gone-last-week")
    store.apply_sync("run-5", listings(*still_listed(*gone)), now=day(33), guard=PERMISSIVE)
    # Fetched, but no sync ever wrote it to the catalogue.
    store.record_dashboard_fetches("run-5", [fetched("never-catalogued", day(33))])
    # Today's list: "leaving-now" is off it; "back-again" returns; "newcomer" is new.
    store.save_track_list("run-6", listings(*TODAYS_LIST), LIST_FETCHED_AT)

    inputs = store.refresh_inputs()
    assert {key: (i.in_catalogue, i.off_list_since) for key, i in inputs.items()} == {
        "zulu": (True, None),
        "mike": (True, None),
        "alpha": (True, None),
        "leaving-now": (True, None),
        "back-again": (True, day(2)),
        "gone-long-ago": (True, day(2)),
        "gone-a-second-too-early": (True, HORIZON - ONE_SECOND),
        "gone-at-the-horizon": (True, HORIZON),
        "gone-last-week": (True, day(33)),
        "never-catalogued": (False, None),
    }
    return store


def keys_for_latest_list(store: CatalogueStore, window_days: int = WINDOW_DAYS) -> list[str]:
    """What the catalogue step takes for the latest accepted list, as the assets ask."""
    return catalogue_keys(store, require_track_list(store), window_days)


def test_every_listed_track_comes_first_in_list_order_then_the_departed_ones_still_refreshed(
    history: CatalogueStore,
) -> None:
    assert keys_for_latest_list(history) == [
        "zulu",
        "back-again",
        "mike",
        "alpha",
        "newcomer",
        "gone-at-the-horizon",
        "gone-last-week",
        "leaving-now",
    ]


def test_a_track_off_the_list_since_exactly_the_horizon_is_in(history: CatalogueStore) -> None:
    assert "gone-at-the-horizon" in keys_for_latest_list(history)


def test_a_track_off_the_list_one_second_longer_than_the_window_is_out(
    history: CatalogueStore,
) -> None:
    assert "gone-a-second-too-early" not in keys_for_latest_list(history)


def test_a_track_that_left_the_list_within_the_window_is_in(history: CatalogueStore) -> None:
    assert "gone-last-week" in keys_for_latest_list(history)


def test_a_track_leaving_with_this_very_list_is_in(history: CatalogueStore) -> None:
    # Still active in the catalogue (off_list_since None) but not on the new list.
    assert "leaving-now" in keys_for_latest_list(history)


def test_departures_older_than_the_window_are_out(history: CatalogueStore) -> None:
    assert "gone-long-ago" not in keys_for_latest_list(history)


def test_a_slug_never_in_the_catalogue_is_out_unless_it_is_listed(
    history: CatalogueStore,
) -> None:
    keys = keys_for_latest_list(history)
    assert "never-catalogued" not in keys
    assert "newcomer" in keys


def test_a_departed_track_back_on_the_list_is_taken_once_in_its_list_place(
    history: CatalogueStore,
) -> None:
    keys = keys_for_latest_list(history)
    assert keys.count("back-again") == 1
    assert keys.index("back-again") == TODAYS_LIST.index("back-again")


def test_the_window_is_counted_from_the_lists_fetch_time(history: CatalogueStore) -> None:
    # The same list fetched one second later moves the horizon one second on.
    history.save_track_list("run-7", listings(*TODAYS_LIST), LIST_FETCHED_AT + ONE_SECOND)

    keys = keys_for_latest_list(history)

    assert "gone-at-the-horizon" not in keys
    assert keys[-2:] == ["gone-last-week", "leaving-now"]


def test_a_zero_day_window_takes_only_the_track_leaving_with_this_list(
    history: CatalogueStore,
) -> None:
    assert keys_for_latest_list(history, window_days=0) == [
        "zulu",
        "back-again",
        "mike",
        "alpha",
        "newcomer",
        "leaving-now",
    ]
