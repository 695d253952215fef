"""NEVER CLOBBER: stored dashboard data survives every fetch that brought no good parse.

The system track-sync replaces wiped the metadata of the tracks whose fetch failed when
it bulk-wrote them next to tracks that had data. These tests pin the opposite.
"""

from __future__ import annotations

from store_factories import dashboard, day, fetched, geocode, listing, listings, not_fetched

from track_sync_assets.domain import DASHBOARD_FIELDS, FetchOutcome, Validators
from track_sync_assets.store import CatalogueStore

SLUGS = ("okay", "failed", "notmodified", "disallowed", "gone", "skipped")
NO_PARSE = {
    "failed": FetchOutcome.FAILED,
    "notmodified": FetchOutcome.NOT_MODIFIED,
    "disallowed": FetchOutcome.DISALLOWED,
    "gone": FetchOutcome.GONE,
}


def _dashboard_fields(store: CatalogueStore, slug: str) -> dict[str, object]:
    row = store.get_track(slug)
    assert row is not None
    return {name: row[name] for name in (*DASHBOARD_FIELDS, "dashboard_name")}


def test_a_mixed_batch_keeps_the_stored_fields_of_every_track_without_a_good_parse(
    database_url: str,
) -> None:
    # batch_size=2: rows with and without fresh dashboard data share every batch.
    store = CatalogueStore(database_url, batch_size=2)
    try:
        store.apply_sync(
            "run-1",
            listings(*SLUGS),
            {slug: fetched(slug, day(0)) for slug in SLUGS},
            {slug: geocode() for slug in SLUGS},
            now=day(0),
        )
        before = {slug: _dashboard_fields(store, slug) for slug in SLUGS}

        today = {slug: not_fetched(slug, day(1), outcome) for slug, outcome in NO_PARSE.items()}
        today["okay"] = fetched("okay", day(1), dashboard("okay", city="Wilson", total_laps=1))
        result = store.apply_sync(
            "run-2",
            [listing(slug, last_updated_text="Yesterday") for slug in SLUGS],
            today,
            now=day(1),
        )

        for slug in (*NO_PARSE, "skipped"):
            assert _dashboard_fields(store, slug) == before[slug], slug
            row = store.get_track(slug)
            assert row is not None
            assert row["latitude"] == 35.6, slug
            assert row["last_updated_text"] == "Yesterday", slug
        okay = store.get_track("okay")
        assert okay is not None
        assert (okay["city"], okay["total_laps"]) == ("Wilson", 1)
        assert result.updated == ("okay",)
        assert result.counts["refreshed"] == len(SLUGS) - 1
    finally:
        store.dispose()


def test_fetch_state_reflects_the_latest_attempt_and_validators_survive_failures(
    store: CatalogueStore,
) -> None:
    store.apply_sync(
        "run-1",
        listings("failed", "notmodified", "skipped"),
        {
            slug: fetched(slug, day(0), etag=f'"{slug}-v1"', content_hash="aaa")
            for slug in ("failed", "notmodified", "skipped")
        },
        now=day(0),
    )

    store.apply_sync(
        "run-2",
        listings("failed", "notmodified", "skipped"),
        {
            "failed": not_fetched("failed", day(1), FetchOutcome.FAILED, status_code=500),
            "notmodified": not_fetched(
                "notmodified",
                day(1),
                FetchOutcome.NOT_MODIFIED,
                validators=Validators(etag='"notmodified-v2"', content_hash="aaa"),
            ),
        },
        now=day(1),
    )

    failed = store.get_track("failed")
    assert failed is not None
    assert failed["dashboard_status"] == "failed"
    assert failed["dashboard_error"] == "HTTP 500 after 4 attempts"
    assert failed["dashboard_fetched_at"] == day(1)
    assert failed["dashboard_etag"] == '"failed-v1"'
    assert failed["dashboard_content_hash"] == "aaa"
    assert failed["dashboard_parsed_at"] == day(0)
    notmodified = store.get_track("notmodified")
    assert notmodified is not None
    assert notmodified["dashboard_status"] == "not_modified"
    assert notmodified["dashboard_error"] is None
    assert notmodified["dashboard_etag"] == '"notmodified-v2"'
    assert notmodified["city"] == "Lucama"
    skipped = store.get_track("skipped")
    assert skipped is not None
    assert skipped["dashboard_status"] == "ok"
    assert skipped["dashboard_fetched_at"] == day(0)


def test_a_good_parse_whose_field_is_really_absent_clears_the_stored_value(
    store: CatalogueStore,
) -> None:
    store.apply_sync("run-1", [listing("alpha")], {"alpha": fetched("alpha", day(0))}, now=day(0))
    without_facebook = dashboard("alpha", facebook_url=None, description=None)

    result = store.apply_sync(
        "run-2",
        [listing("alpha")],
        {"alpha": fetched("alpha", day(1), without_facebook)},
        now=day(1),
    )

    alpha = store.get_track("alpha")
    assert alpha is not None
    assert alpha["facebook_url"] is None
    assert alpha["description"] is None
    (change,) = result.changes
    assert {c.field for c in change.fields} == {"facebook_url", "description"}


def test_an_older_parse_never_overwrites_a_newer_one(store: CatalogueStore) -> None:
    store.apply_sync(
        "run-1",
        [listing("alpha")],
        {"alpha": fetched("alpha", day(2), dashboard("alpha", city="New"))},
        now=day(2),
    )

    result = store.apply_sync(
        "run-2",
        [listing("alpha")],
        {"alpha": fetched("alpha", day(1), dashboard("alpha", city="Old"))},
        now=day(3),
    )

    alpha = store.get_track("alpha")
    assert alpha is not None
    assert alpha["city"] == "New"
    assert alpha["dashboard_fetched_at"] == day(2)
    assert result.changes == ()


def test_geocode_fields_are_written_only_for_slugs_given_a_geocode(store: CatalogueStore) -> None:
    store.apply_sync(
        "run-1",
        listings("alpha", "bravo"),
        geocodes={"alpha": geocode(35.1, -78.1), "bravo": geocode(36.2, -79.2)},
        now=day(0),
    )

    result = store.apply_sync(
        "run-2", listings("alpha", "bravo"), geocodes={"alpha": geocode(35.5, -78.5)}, now=day(1)
    )

    alpha, bravo = store.get_track("alpha"), store.get_track("bravo")
    assert alpha is not None and bravo is not None
    assert (alpha["latitude"], alpha["longitude"]) == (35.5, -78.5)
    assert (bravo["latitude"], bravo["longitude"]) == (36.2, -79.2)
    assert result.updated == ("alpha",)


def test_dashboard_states_from_the_raw_layer_drive_the_sync_without_clobbering(
    store: CatalogueStore,
) -> None:
    store.record_dashboard_fetches("run-1", [fetched("alpha", day(0)), fetched("bravo", day(0))])
    store.apply_sync("run-1", listings("alpha", "bravo"), store.dashboard_states(), now=day(0))
    store.record_dashboard_fetches(
        "run-2",
        [
            not_fetched("alpha", day(1), FetchOutcome.GONE, status_code=404),
            fetched("bravo", day(1), dashboard("bravo", email="new@bravo.example.com")),
        ],
    )

    result = store.apply_sync(
        "run-2", listings("alpha", "bravo"), store.dashboard_states(), now=day(1)
    )

    alpha, bravo = store.get_track("alpha"), store.get_track("bravo")
    assert alpha is not None and bravo is not None
    assert alpha["dashboard_status"] == "gone"
    assert alpha["email"] == "info@alpha.example.com"
    assert bravo["email"] == "new@bravo.example.com"
    assert result.updated == ("bravo",)
