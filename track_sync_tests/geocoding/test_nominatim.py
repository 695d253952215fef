"""The Nominatim geocoder against the local stand-in: queries, identity, rate, retries, checks."""

from __future__ import annotations

import itertools

import pytest

from track_sync_assets.domain import Address, GeocodePrecision
from track_sync_assets.geocoding import (
    GeocoderUnavailableError,
    InMemoryGeocodeCache,
    geocode_addresses,
)
from track_sync_assets.geocoding.nominatim import NominatimGeocoder, precision_of
from track_sync_assets.geocoding.standin import NominatimStandIn, StandInPlace

from .conftest import LUCAMA, NARRABUNDAH, fast_nominatim

UNKNOWN_TOWN_IN_NC = Address("9 Nowhere Rd", "Nowhere Flats", "NC", None, "US")


def intervals(standin: NominatimStandIn) -> list[float]:
    times = [r.monotonic for r in standin.search_requests]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def test_a_structured_query_filtered_to_the_country_is_sent(standin: NominatimStandIn) -> None:
    fast_nominatim(standin).geocode(LUCAMA)
    first = standin.search_requests[0].query
    assert first["street"] == "5320 US 301"
    assert first["city"] == "Lucama"
    assert first["state"] == "North Carolina"  # the state code spelled out
    assert first["postalcode"] == "27851"
    assert first["countrycodes"] == "us"
    assert first["format"] == "json" and first["addressdetails"] == "1"
    assert "q" not in first


def test_the_user_agent_names_track_sync_and_the_contact(standin: NominatimStandIn) -> None:
    fast_nominatim(standin, contact="ops@example.org").geocode(LUCAMA)
    agent = standin.search_requests[0].headers["User-Agent"]
    assert agent.startswith("track-sync/") and "ops@example.org" in agent


def test_the_query_is_relaxed_until_the_town_is_found(standin: NominatimStandIn) -> None:
    geocode = fast_nominatim(standin).geocode(LUCAMA)
    assert geocode.precision is GeocodePrecision.CITY and geocode.geocoder == "nominatim"
    sent = [r.query for r in standin.search_requests]
    assert "street" in sent[0] and "street" not in sent[1]
    assert len(sent) == 2


def test_a_locality_without_state_is_queried_without_state(standin: NominatimStandIn) -> None:
    geocode = fast_nominatim(standin).geocode(NARRABUNDAH)
    assert geocode.found and geocode.precision is GeocodePrecision.CITY
    assert all("state" not in r.query for r in standin.search_requests)
    assert standin.search_requests[0].query["postalcode"] == "02604"


def test_an_unknown_town_falls_back_to_its_region(standin: NominatimStandIn) -> None:
    geocode = fast_nominatim(standin).geocode(UNKNOWN_TOWN_IN_NC)
    assert geocode.precision is GeocodePrecision.REGION
    assert [r.query.get("city") for r in standin.search_requests] == [
        "Nowhere Flats",
        "Nowhere Flats",
        None,
    ]


def test_a_house_level_answer_has_street_precision(standin: NominatimStandIn) -> None:
    standin.add_place(
        StandInPlace(
            {"street": "5320 US 301", "city": "Lucama"},
            35.6402,
            -78.0171,
            "US",
            osm_class="building",
            osm_type="yes",
            addresstype="building",
            place_rank=30,
        )
    )
    geocode = fast_nominatim(standin).geocode(LUCAMA)
    assert geocode.precision is GeocodePrecision.STREET
    assert (geocode.latitude, geocode.longitude) == (35.6402, -78.0171)
    assert len(standin.search_requests) == 1


def test_a_postcode_answer_has_postal_precision(standin: NominatimStandIn) -> None:
    standin.add_place(
        StandInPlace({"postalcode": "02604"}, -35.33, 149.14, "AU", osm_type="postcode")
    )
    address = Address(None, "Nowhere Gully", None, "02604", "AU")
    assert fast_nominatim(standin).geocode(address).precision is GeocodePrecision.POSTAL


@pytest.mark.parametrize(
    ("raw", "precision"),
    [
        ({"class": "place", "type": "house", "addresstype": "place"}, GeocodePrecision.STREET),
        ({"class": "highway", "type": "primary", "addresstype": "road"}, GeocodePrecision.STREET),
        ({"class": "leisure", "type": "track", "place_rank": 30}, GeocodePrecision.STREET),
        ({"class": "place", "type": "postcode", "place_rank": 21}, GeocodePrecision.POSTAL),
        ({"class": "place", "type": "village", "addresstype": "village"}, GeocodePrecision.CITY),
        ({"class": "boundary", "type": "administrative", "addresstype": "city"}, "city"),
        ({"class": "place", "type": "suburb", "addresstype": "suburb"}, GeocodePrecision.CITY),
        ({"class": "boundary", "type": "administrative", "addresstype": "state"}, "region"),
        ({"class": "boundary", "type": "administrative", "addresstype": "county"}, "region"),
        ({"class": "boundary", "type": "administrative", "place_rank": 4}, "country"),
        ({"class": "boundary", "type": "administrative", "addresstype": "country"}, "country"),
        ({"class": "natural", "type": "peak", "place_rank": 18}, GeocodePrecision.CITY),
    ],
)
def test_nominatim_classes_and_types_map_to_precisions(
    raw: dict[str, object], precision: str
) -> None:
    assert precision_of(raw) == precision


def test_an_answer_far_outside_the_country_is_rejected(standin: NominatimStandIn) -> None:
    # The answer claims to be in the US but lies in India.
    standin.add_place(StandInPlace({"city": "Lucama"}, 22.0, 79.0, "US"))
    geocode = fast_nominatim(standin).geocode(LUCAMA)
    assert not geocode.found and geocode.precision is None
    assert geocode.rejected_reason is not None and "far outside" in geocode.rejected_reason


def test_an_answer_in_another_country_is_rejected(standin: NominatimStandIn) -> None:
    standin.add_place(
        StandInPlace({"city": "Indianapolis"}, 22.0, 79.0, "US", reported_country_code="IN")
    )
    geocode = fast_nominatim(standin).geocode(Address(None, "Indianapolis", "IN", None, "US"))
    assert not geocode.found
    assert geocode.rejected_reason is not None and "is in IN, not US" in geocode.rejected_reason


def test_a_503_is_retried_and_then_answered(standin: NominatimStandIn) -> None:
    standin.fail_next(503)
    geocoder = fast_nominatim(standin)
    geocode = geocoder.geocode(NARRABUNDAH)
    assert geocode.found
    first, second = standin.search_requests[:2]
    assert first.query == second.query
    assert geocoder.requests_made == len(standin.search_requests)


def test_a_429_waits_for_retry_after_within_the_backoff_cap(standin: NominatimStandIn) -> None:
    standin.fail_next(429, retry_after=30)
    geocode = fast_nominatim(standin, max_backoff_s=0.4).geocode(NARRABUNDAH)
    assert geocode.found
    assert 0.38 <= intervals(standin)[0] < 2.0


def test_a_timeout_is_retried(standin: NominatimStandIn) -> None:
    standin.stall_next(1.0)
    geocode = fast_nominatim(standin, timeout_s=0.3).geocode(NARRABUNDAH)
    assert geocode.found
    assert standin.search_requests[0].query == standin.search_requests[1].query


def test_persistent_server_errors_give_up_after_the_last_attempt(
    standin: NominatimStandIn,
) -> None:
    standin.fail_next(500, count=10)
    with pytest.raises(GeocoderUnavailableError, match="3 attempt"):
        fast_nominatim(standin, max_attempts=3).geocode(LUCAMA)
    assert len(standin.search_requests) == 3


def test_a_client_error_is_not_retried(standin: NominatimStandIn) -> None:
    standin.fail_next(403)
    with pytest.raises(GeocoderUnavailableError):
        fast_nominatim(standin).geocode(LUCAMA)
    assert len(standin.search_requests) == 1


def test_a_server_that_is_down_is_reported_unavailable() -> None:
    server = NominatimStandIn().start()
    url = server.url
    server.stop()
    geocoder = NominatimGeocoder(
        url=url, contact="tests@example.org", min_delay_s=0.01, backoff_s=0.01, max_attempts=2
    )
    with pytest.raises(GeocoderUnavailableError):
        geocoder.geocode(LUCAMA)


def test_an_unavailable_service_fails_the_batch_softly_and_caches_nothing(
    standin: NominatimStandIn,
) -> None:
    standin.fail_next(503, count=100)
    cache = InMemoryGeocodeCache()
    addresses = {"a": LUCAMA, "b": NARRABUNDAH}
    result = geocode_addresses(addresses, fast_nominatim(standin, max_attempts=2), cache)
    assert set(result.failed) == {"a", "b"} and not result.geocodes
    assert cache.entries == {}
    assert len(standin.search_requests) == 2  # the batch stopped at the first failure


def test_cached_nominatim_answers_are_not_requested_again(standin: NominatimStandIn) -> None:
    cache = InMemoryGeocodeCache()
    geocoder = fast_nominatim(standin)
    addresses = {"a": LUCAMA, "b": NARRABUNDAH, "c": UNKNOWN_TOWN_IN_NC}
    first = geocode_addresses(addresses, geocoder, cache)
    sent = len(standin.search_requests)
    second = geocode_addresses(addresses, geocoder, cache)
    assert len(standin.search_requests) == sent
    assert second.cache_hits == 3 and second.geocodes == first.geocodes


def test_requests_are_spaced_by_the_configured_delay(standin: NominatimStandIn) -> None:
    geocoder = fast_nominatim(standin, min_delay_s=0.2)
    geocoder.geocode(UNKNOWN_TOWN_IN_NC)
    geocoder.geocode(LUCAMA)
    gaps = intervals(standin)
    assert len(gaps) == 4
    assert min(gaps) >= 0.19


def test_the_delay_is_shared_by_geocoders_of_the_same_server(standin: NominatimStandIn) -> None:
    one, two = fast_nominatim(standin, min_delay_s=0.2), fast_nominatim(standin, min_delay_s=0.2)
    for geocoder in (one, two, one):
        geocoder.geocode(Address(None, None, "NC", None, "US"))
    assert min(intervals(standin)) >= 0.19


def test_the_default_rate_is_at_most_one_request_per_second(standin: NominatimStandIn) -> None:
    geocoder = NominatimGeocoder(url=standin.url, contact="tests@example.org")
    geocoder.geocode(UNKNOWN_TOWN_IN_NC)  # three requests: full, city + state, state
    gaps = intervals(standin)
    assert len(gaps) == 2
    assert min(gaps) >= 0.98  # allows for scheduling jitter between client and server clocks
    span = standin.search_requests[-1].monotonic - standin.search_requests[0].monotonic
    assert len(gaps) / span <= 1.02


def test_the_public_instance_requires_a_contact_and_the_one_second_delay() -> None:
    with pytest.raises(ValueError, match="TRACK_SYNC_CONTACT"):
        NominatimGeocoder(url="https://nominatim.openstreetmap.org")
    with pytest.raises(ValueError, match="one request per second"):
        NominatimGeocoder(
            url="https://nominatim.openstreetmap.org", contact="a@b.org", min_delay_s=0.5
        )
    geocoder = NominatimGeocoder(url="https://nominatim.openstreetmap.org/", contact="a@b.org")
    assert geocoder.url == "https://nominatim.openstreetmap.org"


@pytest.mark.parametrize("url", ["ftp://example.org", "nominatim.example.org", "http://"])
def test_a_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="NOMINATIM_URL"):
        NominatimGeocoder(url=url, contact="a@b.org")
