"""Coordinate validation: ranges, both-or-neither, null island, inside the stated country."""

from __future__ import annotations

import math

import pytest

from track_sync_assets.domain import Geocode, GeocodePrecision
from track_sync_assets.geocoding import (
    checked_geocode,
    is_plausible_for_country,
    validate_coordinates,
)
from track_sync_assets.geocoding.gazetteer import dilated_cells, grid_cell


@pytest.mark.parametrize(
    ("latitude", "longitude", "fragment"),
    [
        (90.5, 10.0, "latitude"),
        (-91.0, 10.0, "latitude"),
        (45.0, 180.5, "longitude"),
        (45.0, -181.0, "longitude"),
        (45.0, None, "both"),
        (None, 10.0, "both"),
        (0.0, 0.0, "(0, 0)"),
        (math.nan, 10.0, "finite"),
        (45.0, math.inf, "finite"),
    ],
)
def test_invalid_coordinates_are_named(
    latitude: float | None, longitude: float | None, fragment: str
) -> None:
    problem = validate_coordinates(latitude, longitude, None)
    assert problem is not None and fragment in problem
    if latitude is not None and longitude is not None:
        assert not is_plausible_for_country(latitude, longitude, "US")


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 10.0), (10.0, 0.0)]
)
def test_boundary_values_are_valid_without_a_country(latitude: float, longitude: float) -> None:
    assert validate_coordinates(latitude, longitude, None) is None


def test_no_coordinates_at_all_is_valid() -> None:
    assert validate_coordinates(None, None, "US") is None


def test_an_unknown_country_code_is_a_problem() -> None:
    problem = validate_coordinates(35.6, -78.0, "XX")
    assert problem is not None and "unknown country" in problem
    assert not is_plausible_for_country(35.6, -78.0, "XX")


@pytest.mark.parametrize(
    ("latitude", "longitude", "country"),
    [
        (35.645, -78.010, "US"),  # Lucama, NC
        (39.768, -86.158, "US"),  # Indianapolis
        (64.501, -165.406, "US"),  # Nome, Alaska
        (63.779, -171.735, "US"),  # Gambell, St Lawrence Island (Alaska, near the date line)
        (-35.336, 149.149, "AU"),  # Narrabundah
        (-25.23, 121.02, "AU"),  # inland Western Australia, far from any town
        (-41.287, 174.776, "NZ"),  # Wellington
        (-43.954, -176.560, "NZ"),  # Chatham Islands, east of the antimeridian
        (-16.433, 179.365, "FJ"),  # Labasa, west of the antimeridian
        (-16.2, -179.99, "FJ"),  # Fiji, east of the antimeridian
        (-18.237, -178.812, "FJ"),  # Lakeba, Lau Islands
        (66.323, -179.118, "RU"),  # Egvekinot, Chukotka
        (64.734, 177.510, "RU"),  # Anadyr
        (20.594, 78.963, "IN"),
    ],
)
def test_places_inside_their_country_pass(latitude: float, longitude: float, country: str) -> None:
    assert is_plausible_for_country(latitude, longitude, country)
    assert validate_coordinates(latitude, longitude, country.lower()) is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "country"),
    [
        (39.768, -86.158, "IN"),  # Indianapolis is not in India
        (22.0, 79.0, "US"),  # India is not in the US
        (-31.952, 115.861, "GB"),  # Perth, Australia is not Perth, Scotland
        (-17.0, -175.0, "FJ"),  # Tonga's waters, east of Fiji
        (-41.0, -170.0, "NZ"),  # open Pacific east of New Zealand
        (64.734, 177.510, "US"),  # Anadyr, Russia, across the Bering Strait
        (51.5, -0.12, "AU"),
    ],
)
def test_places_far_outside_the_stated_country_are_rejected(
    latitude: float, longitude: float, country: str
) -> None:
    assert not is_plausible_for_country(latitude, longitude, country)
    problem = validate_coordinates(latitude, longitude, country)
    assert problem is not None and "far outside" in problem and country in problem


def test_checked_geocode_rejects_and_keeps_the_reason() -> None:
    wrong = Geocode(22.0, 79.0, GeocodePrecision.CITY, "nominatim")
    rejected = checked_geocode(wrong, "US")
    assert (rejected.latitude, rejected.longitude, rejected.precision) == (None, None, None)
    assert rejected.geocoder == "nominatim"
    assert rejected.rejected_reason is not None and "22.00000" in rejected.rejected_reason


def test_checked_geocode_passes_good_and_empty_geocodes_through() -> None:
    good = Geocode(35.645, -78.010, GeocodePrecision.CITY, "offline")
    empty = Geocode(None, None, None, "offline")
    assert checked_geocode(good, "US") is good
    assert checked_geocode(empty, "US") is empty


def test_a_half_empty_geocode_is_rejected() -> None:
    half = Geocode(35.6, None, GeocodePrecision.CITY, "nominatim")
    assert checked_geocode(half, "US").rejected_reason is not None


def test_grid_cells_wrap_around_the_antimeridian() -> None:
    east_edge = grid_cell(-16.5, 179.5)
    west_edge = grid_cell(-16.5, -179.5)
    assert west_edge in dilated_cells({east_edge})
    assert east_edge in dilated_cells({west_edge})
    assert grid_cell(10.0, 180.0) == grid_cell(10.0, -180.0)
    assert grid_cell(-16.5, 175.5) not in dilated_cells({west_edge})
