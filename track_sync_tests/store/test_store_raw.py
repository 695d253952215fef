"""The raw layer (list snapshots, dashboard pages) and the geocode cache round-trip."""

from __future__ import annotations

from datetime import timedelta

from store_factories import dashboard, day, fetched, listing, not_fetched

from track_sync_assets.domain import (
    Activity,
    Address,
    FetchOutcome,
    Geocode,
    GeocodePrecision,
    Validators,
)
from track_sync_assets.store import CatalogueStore


def test_a_track_list_snapshot_round_trips_and_the_latest_one_wins(
    store: CatalogueStore,
) -> None:
    assert store.latest_track_list() is None
    older = [listing("alpha")]
    newer = [
        listing("FastandFunToyandHobby", activity=Activity.RACING, has_live_video=True),
        listing("beta", name='The "Pit"  Stop', latest_event_name="春季赛 & Race  Day"),
        listing("gamma", is_featured=True, last_updated_text=None, latest_event_name=None),
    ]
    first_id = store.save_track_list("run-1", older, day(0))
    second_id = store.save_track_list("run-2", newer, day(1))
    store.save_track_list("run-0", older, day(0) - timedelta(days=1))

    snapshot = store.latest_track_list()

    assert snapshot is not None
    assert second_id > first_id
    assert (snapshot.id, snapshot.run_id, snapshot.fetched_at) == (second_id, "run-2", day(1))
    assert snapshot.row_count == 3
    assert snapshot.listings == tuple(newer)


def test_an_ok_fetch_stores_the_parse_and_validators_with_its_discrepancies(
    store: CatalogueStore,
) -> None:
    board = dashboard("alpha", discrepancies=("email link and text differ",))

    store.record_dashboard_fetches("run-1", [fetched("alpha", day(0), board, content_hash="h1")])

    state = store.dashboard_states(["ALPHA"])["alpha"]
    assert state.last_outcome is FetchOutcome.OK
    assert state.last_attempt_at == state.good_fetched_at == day(0)
    assert state.last_run_id == "run-1"
    assert state.dashboard == board
    assert state.dashboard is not None
    assert state.dashboard.discrepancies == ("email link and text differ",)
    assert state.validators == Validators(etag='W/"alpha-01"', content_hash="h1")


def test_failures_record_the_attempt_and_keep_the_good_parse_and_validators(
    store: CatalogueStore,
) -> None:
    slugs = ("failed", "disallowed", "gone")
    store.record_dashboard_fetches("run-1", [fetched(s, day(0), content_hash="h1") for s in slugs])

    store.record_dashboard_fetches(
        "run-2",
        [
            not_fetched("failed", day(1), FetchOutcome.FAILED, status_code=503),
            not_fetched("disallowed", day(1), FetchOutcome.DISALLOWED),
            not_fetched(
                "gone", day(1), FetchOutcome.GONE, status_code=404, validators=Validators()
            ),
        ],
    )

    states = store.dashboard_states(slugs)
    for slug in slugs:
        state = states[slug]
        assert state.last_attempt_at == day(1)
        assert state.last_run_id == "run-2"
        assert state.dashboard == dashboard(slug)
        assert state.good_fetched_at == day(0)
        assert state.validators == Validators(etag=f'W/"{slug}-01"', content_hash="h1")
    assert states["failed"].last_outcome is FetchOutcome.FAILED
    assert states["failed"].last_status_code == 503
    assert states["failed"].last_attempts == 4
    assert states["failed"].last_reason == "HTTP 500 after 4 attempts"
    assert states["gone"].last_outcome is FetchOutcome.GONE


def test_not_modified_refreshes_validators_and_keeps_the_parse(store: CatalogueStore) -> None:
    store.record_dashboard_fetches("run-1", [fetched("alpha", day(0), content_hash="h1")])

    fresh = Validators(etag='W/"alpha-02"', last_modified="Mon, 02 Mar 2026 06:00:00 GMT")
    store.record_dashboard_fetches(
        "run-2", [not_fetched("alpha", day(1), FetchOutcome.NOT_MODIFIED, validators=fresh)]
    )

    state = store.dashboard_states()["alpha"]
    assert state.last_outcome is FetchOutcome.NOT_MODIFIED
    assert state.validators == fresh
    assert state.dashboard == dashboard("alpha")
    assert store.dashboard_validators(["alpha", "unknown"]) == {"alpha": fresh}


def test_a_first_attempt_that_failed_has_no_parse_and_an_older_attempt_changes_nothing(
    store: CatalogueStore,
) -> None:
    store.record_dashboard_fetches(
        "run-2", [not_fetched("alpha", day(1), FetchOutcome.FAILED, status_code=500)]
    )
    store.record_dashboard_fetches("run-1", [fetched("alpha", day(0))])

    state = store.dashboard_states()["alpha"]
    assert state.last_outcome is FetchOutcome.FAILED
    assert state.dashboard is None
    assert state.validators == Validators()


def test_the_geocode_cache_round_trips_found_and_rejected_answers(store: CatalogueStore) -> None:
    home = Address("Kyeema Street", "Narrabundah", None, "02604", "AU").normalized_key()
    nowhere = Address(None, "Atlantis", None, None, "US").normalized_key()
    answers = {
        home: Geocode(-35.33, 149.15, GeocodePrecision.STREET, "offline"),
        nowhere: Geocode(None, None, None, "nominatim", rejected_reason="outside US"),
    }

    assert store.put_geocodes(answers, geocoded_at=day(0)) == 2
    assert store.get_geocodes([home, nowhere, "never|seen"]) == answers

    moved = Geocode(-35.34, 149.16, GeocodePrecision.POSTAL, "nominatim")
    store.put_geocodes({home: moved})
    assert store.get_geocodes([home]) == {home: moved}
