"""The offline geocoder: the LiveRC address shapes, colliding state codes, graceful degradation."""

from __future__ import annotations

import socket

import pytest

from track_sync_assets.domain import Address, GeocodePrecision
from track_sync_assets.geocoding import (
    GeocoderSettings,
    OfflineGeocoder,
    geocoder_from_settings,
    is_plausible_for_country,
)
from track_sync_assets.geocoding.gazetteer import haversine_km
from track_sync_tests.conftest import real_expected

from .conftest import LUCAMA, NARRABUNDAH

INDIANA_BOX = (37.7, 41.8, -88.1, -84.7)  # lat min/max, lon min/max


@pytest.fixture(scope="module")
def offline() -> OfflineGeocoder:
    return OfflineGeocoder()


def km_from(geocode, latitude: float, longitude: float) -> float:
    assert geocode.found, geocode
    return haversine_km(geocode.latitude, geocode.longitude, latitude, longitude)


def in_box(geocode, box: tuple[float, float, float, float]) -> bool:
    lat_min, lat_max, lon_min, lon_max = box
    return lat_min <= geocode.latitude <= lat_max and lon_min <= geocode.longitude <= lon_max


def test_us_city_state_zip_finds_the_town_in_that_state(offline: OfflineGeocoder) -> None:
    geocode = offline.geocode(LUCAMA)
    assert geocode.precision is GeocodePrecision.CITY
    assert geocode.geocoder == "offline"
    assert km_from(geocode, 35.645, -78.010) < 5


def test_locality_without_state_finds_the_suburb_inside_australia(
    offline: OfflineGeocoder,
) -> None:
    geocode = offline.geocode(NARRABUNDAH)
    assert geocode.precision is GeocodePrecision.CITY
    assert km_from(geocode, -35.336, 149.149) < 5  # Narrabundah, Canberra
    assert is_plausible_for_country(geocode.latitude, geocode.longitude, "AU")


@pytest.mark.parametrize(
    ("capture", "near"),
    [
        ("dashboard-thunderalley.json", (35.645, -78.010)),
        ("dashboard-canberraoffroad.json", (-35.336, 149.149)),
    ],
)
def test_the_captured_dashboards_addresses_geocode_to_their_towns(
    offline: OfflineGeocoder, capture: str, near: tuple[float, float]
) -> None:
    expected = real_expected(capture)
    fields = ("street_address", "city", "state", "postal_code", "country_code")
    geocode = offline.geocode(Address(*(expected[f] for f in fields)))
    assert geocode.precision is GeocodePrecision.CITY
    assert km_from(geocode, *near) < 5


def test_a_us_city_in_indiana_never_turns_into_india(offline: OfflineGeocoder) -> None:
    geocode = offline.geocode(Address(None, "Indianapolis", "IN", "46204", "US"))
    assert geocode.precision is GeocodePrecision.CITY
    assert km_from(geocode, 39.768, -86.158) < 5
    assert not is_plausible_for_country(geocode.latitude, geocode.longitude, "IN")


def test_a_small_indiana_town_is_found_in_indiana(offline: OfflineGeocoder) -> None:
    geocode = offline.geocode(Address("1 Main St", "Greencastle", "IN", "46135", "US"))
    assert geocode.precision is GeocodePrecision.CITY
    assert in_box(geocode, INDIANA_BOX)


@pytest.mark.parametrize(
    ("city", "state"),
    [("Sacramento", "CA"), ("Savannah", "GA"), ("Denver", "CO"), ("Dover", "DE"), ("Erie", "PA")],
)
def test_state_codes_that_are_also_country_codes_stay_in_the_us(
    offline: OfflineGeocoder, city: str, state: str
) -> None:
    geocode = offline.geocode(Address(None, city, state, None, "US"))
    assert geocode.precision is GeocodePrecision.CITY
    assert is_plausible_for_country(geocode.latitude, geocode.longitude, "US")
    assert not is_plausible_for_country(geocode.latitude, geocode.longitude, state)


def test_an_unknown_town_degrades_to_its_region_not_to_another_town(
    offline: OfflineGeocoder,
) -> None:
    geocode = offline.geocode(Address(None, "Nowhereville Flats", "IN", "46000", "US"))
    assert geocode.precision is GeocodePrecision.REGION
    assert in_box(geocode, INDIANA_BOX)


def test_a_town_of_another_state_is_not_taken_for_the_stated_state(
    offline: OfflineGeocoder,
) -> None:
    # Lucama exists only in North Carolina: "Lucama, IN" must not land there.
    geocode = offline.geocode(Address(None, "Lucama", "IN", None, "US"))
    assert geocode.precision is GeocodePrecision.REGION
    assert in_box(geocode, INDIANA_BOX)


def test_an_unknown_locality_without_state_degrades_to_the_country(
    offline: OfflineGeocoder,
) -> None:
    geocode = offline.geocode(Address("Kyeema Street", "Nowhere Gully", None, "02604", "AU"))
    assert geocode.precision is GeocodePrecision.COUNTRY
    assert is_plausible_for_country(geocode.latitude, geocode.longitude, "AU")


def test_letter_postal_codes_are_accepted_and_ignored_offline(offline: OfflineGeocoder) -> None:
    geocode = offline.geocode(Address(None, "Rafaela", None, "A2536", "AR"))
    assert geocode.precision is GeocodePrecision.CITY
    assert is_plausible_for_country(geocode.latitude, geocode.longitude, "AR")


@pytest.mark.parametrize(
    "spelling", ["St. Louis", "Saint Louis", "ST LOUIS", "st.louis", "  Saint-Louis "]
)
def test_case_punctuation_and_saint_abbreviations_are_normalized(
    offline: OfflineGeocoder, spelling: str
) -> None:
    geocode = offline.geocode(Address(None, spelling, "MO", None, "US"))
    assert km_from(geocode, 38.627, -90.198) < 5


@pytest.mark.parametrize(
    ("address", "near"),
    [
        (Address(None, "Montréal", "QC", None, "CA"), (45.509, -73.588)),
        (Address(None, "Montreal", "Québec", None, "CA"), (45.509, -73.588)),
        (Address(None, "Zurich", None, None, "CH"), (47.367, 8.550)),
        (Address(None, "Munich", None, None, "DE"), (48.137, 11.575)),  # alternate name
        (Address(None, "St. Catharines", "Ont.", None, "CA"), (43.171, -79.243)),
    ],
)
def test_accents_alternate_names_and_region_spellings(
    offline: OfflineGeocoder, address: Address, near: tuple[float, float]
) -> None:
    geocode = offline.geocode(address)
    assert geocode.precision is GeocodePrecision.CITY
    assert km_from(geocode, *near) < 10


def test_a_region_picks_between_same_named_towns(offline: OfflineGeocoder) -> None:
    nsw = offline.geocode(Address(None, "Richmond", "NSW", None, "AU"))
    vic = offline.geocode(Address(None, "Richmond", "Victoria", None, "AU"))
    assert km_from(nsw, -33.600, 150.751) < 5
    assert km_from(vic, -37.818, 145.002) < 5


def test_comparable_same_named_towns_without_region_degrade_to_the_country(
    offline: OfflineGeocoder,
) -> None:
    geocode = offline.geocode(Address(None, "Springfield", None, None, "US"))
    assert geocode.precision is GeocodePrecision.COUNTRY


def test_a_dominant_town_wins_over_tiny_namesakes(offline: OfflineGeocoder) -> None:
    geocode = offline.geocode(Address(None, "Perth", None, "6000", "AU"))
    assert geocode.precision is GeocodePrecision.CITY
    assert km_from(geocode, -31.952, 115.861) < 5


@pytest.mark.parametrize(
    "address",
    [
        Address(None, "Paris", None, None, None),
        Address(None, "Paris", None, None, "XX"),
        Address(None, None, None, None, None),
    ],
)
def test_without_a_known_country_nothing_is_guessed(
    offline: OfflineGeocoder, address: Address
) -> None:
    geocode = offline.geocode(address)
    assert not geocode.found
    assert geocode.precision is None
    assert geocode.rejected_reason is None


def test_only_a_country_gives_the_countrys_point(offline: OfflineGeocoder) -> None:
    geocode = offline.geocode(Address(None, None, None, None, "NZ"))
    assert geocode.precision is GeocodePrecision.COUNTRY
    assert is_plausible_for_country(geocode.latitude, geocode.longitude, "NZ")


def test_the_offline_geocoder_is_the_default_and_uses_no_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the offline geocoder opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    geocoder = geocoder_from_settings(GeocoderSettings())
    assert geocoder.name == "offline"
    assert geocoder.geocode(LUCAMA).precision is GeocodePrecision.CITY
