"""Departed tracks: off LiveRC's list, still fetched on their rolling age for a while
(docs/refresh.md). What such a fetch brings reaches the track's inactive catalogue row;
only the list brings a track back."""

from __future__ import annotations

import pytest
from store_factories import dashboard, day, fetched, geocode, listings, not_fetched

from track_sync_assets.domain import FetchOutcome
from track_sync_assets.store import CatalogueStore, ChangeKind, FieldChange, SanityGuard

PERMISSIVE = SanityGuard(min_rows=1, min_share_of_active=0.0)
MOVED = {
    "street_address": "12 Mill Road",
    "city": "Wilson",
    "postal_code": "27893",
    "phone": "(252) 555-0199",
}


@pytest.fixture
def departed(store: CatalogueStore) -> CatalogueStore:
    """alpha and bravo listed and fetched on day 0; alpha left the list on day 1."""
    store.record_dashboard_fetches("run-1", [fetched("alpha", day(0)), fetched("bravo", day(0))])
    store.apply_sync(
        "run-1",
        listings("alpha", "bravo"),
        store.dashboard_states(),
        {"alpha": geocode(35.6, -77.9), "bravo": geocode(36.0, -78.0)},
        now=day(0),
    )
    left = store.apply_sync(
        "run-2", listings("bravo"), store.dashboard_states(["bravo"]), now=day(1), guard=PERMISSIVE
    )
    assert left.deactivated == ("alpha",)
    return store


def test_a_departed_track_fetched_on_its_rolling_age_takes_its_new_dashboard_and_stays_inactive(
    departed: CatalogueStore,
) -> None:
    store = departed
    # Day 3: alpha (off the list since day 1) moved; its rolling day comes and the fetch
    # brings the new address and phone, geocoded like any other address.
    store.record_dashboard_fetches("run-3", [fetched("alpha", day(3), dashboard("alpha", **MOVED))])
    result = store.apply_sync(
        "run-3",
        listings("bravo"),
        store.dashboard_states(),
        {"alpha": geocode(35.72, -77.92)},
        now=day(3),
        guard=PERMISSIVE,
    )

    alpha = store.get_track("alpha")
    assert alpha is not None
    assert {name: alpha[name] for name in MOVED} == MOVED
    assert (alpha["latitude"], alpha["longitude"]) == (35.72, -77.92)
    assert (alpha["dashboard_status"], alpha["dashboard_fetched_at"]) == ("ok", day(3))
    assert alpha["dashboard_parsed_at"] == day(3)
    # It stays inactive: still off the list since day 1, last listed on day 0.
    assert alpha["is_active"] is False
    assert alpha["deactivated_at"] == day(1)
    assert alpha["last_seen_at"] == day(0)
    assert alpha["updated_at"] == day(3)
    assert store.track_count(active_only=True) == 1

    # The change report lists it as updated, marked departed, field by field.
    assert result.updated == ("alpha",)
    assert (result.counts["updated"], result.counts["unchanged"]) == (1, 1)
    assert result.counts["reactivated"] == result.counts["deactivated"] == 0
    (change,) = result.changes
    assert (change.kind, change.departed) == (ChangeKind.UPDATED, True)
    assert {c.field: (c.old, c.new) for c in change.fields} == {
        "street_address": ("5320 US 301", "12 Mill Road"),
        "city": ("Lucama", "Wilson"),
        "postal_code": ("27851", "27893"),
        "phone": ("(919) 555-0100", "(252) 555-0199"),
        "latitude": (35.6, 35.72),
        "longitude": (-77.9, -77.92),
    }
    assert result.to_dict()["changes"][0]["departed"] is True
    history = store.changes_for_run("run-3")
    assert {(entry.slug_key, entry.kind) for entry in history} == {("alpha", ChangeKind.UPDATED)}
    assert {entry.field for entry in history} == {*MOVED, "latitude", "longitude"}

    # The same inputs again change nothing.
    again = store.apply_sync(
        "run-4",
        listings("bravo"),
        store.dashboard_states(),
        {"alpha": geocode(35.72, -77.92)},
        now=day(4),
        guard=PERMISSIVE,
    )
    assert again.changes == ()
    assert store.changes_for_run("run-4") == []
    assert store.get_track("alpha") == alpha


def test_only_the_list_brings_a_departed_track_back_with_what_was_applied_meanwhile(
    departed: CatalogueStore,
) -> None:
    store = departed
    store.record_dashboard_fetches("run-3", [fetched("alpha", day(3), dashboard("alpha", **MOVED))])
    store.apply_sync(
        "run-3", listings("bravo"), store.dashboard_states(), now=day(3), guard=PERMISSIVE
    )

    back = store.apply_sync(
        "run-4", listings("alpha", "bravo"), store.dashboard_states(), now=day(4)
    )

    assert back.reactivated == ("alpha",)
    (change,) = back.changes
    assert change.fields == (FieldChange("is_active", False, True),)
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert (alpha["is_active"], alpha["deactivated_at"], alpha["city"]) == (True, None, "Wilson")


def test_a_track_fetched_as_it_leaves_the_list_is_deactivated_and_updated(
    store: CatalogueStore,
) -> None:
    store.apply_sync(
        "run-1",
        listings("alpha", "bravo"),
        {"alpha": fetched("alpha", day(0)), "bravo": fetched("bravo", day(0))},
        now=day(0),
    )

    result = store.apply_sync(
        "run-2",
        listings("bravo"),
        {"alpha": fetched("alpha", day(1), dashboard("alpha", city="Wilson"))},
        now=day(1),
        guard=PERMISSIVE,
    )

    assert result.deactivated == result.updated == ("alpha",)
    assert (result.changed, result.rows_written) == (1, 1), "one track, written once"
    updated = next(c for c in result.changes if c.kind is ChangeKind.UPDATED)
    assert updated.departed is True
    assert updated.fields == (FieldChange("city", "Lucama", "Wilson"),)
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert (alpha["is_active"], alpha["deactivated_at"], alpha["city"]) == (False, day(1), "Wilson")
    assert alpha["last_seen_at"] == day(0)


@pytest.mark.parametrize(
    "outcome", [FetchOutcome.FAILED, FetchOutcome.NOT_MODIFIED, FetchOutcome.GONE]
)
def test_a_departed_track_whose_fetch_brought_no_parse_keeps_its_values(
    departed: CatalogueStore, outcome: FetchOutcome
) -> None:
    store = departed
    before = store.get_track("alpha")
    assert before is not None
    store.record_dashboard_fetches("run-3", [not_fetched("alpha", day(3), outcome)])

    result = store.apply_sync(
        "run-3", listings("bravo"), store.dashboard_states(), now=day(3), guard=PERMISSIVE
    )

    assert result.changes == ()
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert (alpha["dashboard_status"], alpha["dashboard_fetched_at"]) == (outcome.value, day(3))
    unchanged = ("city", "phone", "latitude", "dashboard_parsed_at", "is_active", "deactivated_at")
    assert {name: alpha[name] for name in unchanged} == {name: before[name] for name in unchanged}
