"""Coordinate validation, applied where geocodes come in and reusable by the asset checks.

Rules: latitude in [-90, 90], longitude in [-180, 180], both or neither, finite, not
(0, 0) ("null island"), and, when the track states a country, not far outside it.

"Inside the country" is judged from the gazetteer: the 1-degree grid cells holding one
of the country's cities (population >= 500) or one of its ISO 3166-2 region points,
plus every neighbouring cell. A point passes when its cell is in that set, i.e. within
roughly 110-220 km of a town of that country. Longitudes wrap, so countries spanning
the antimeridian (Fiji, New Zealand's Chatham Islands, Alaska's Aleutians, Russia,
Kiribati) are handled like any other.
"""

from __future__ import annotations

import dataclasses
import math

from track_sync_assets.domain import Geocode
from track_sync_assets.geocoding.gazetteer import load_gazetteer
from track_sync_assets.geocoding.regions import load_regions


def _range_problem(latitude: float | None, longitude: float | None) -> str | None:
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        return "latitude and longitude must be both set or both empty"
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return f"coordinates are not finite numbers: ({latitude}, {longitude})"
    if not -90.0 <= latitude <= 90.0:
        return f"latitude {latitude} is outside [-90, 90]"
    if not -180.0 <= longitude <= 180.0:
        return f"longitude {longitude} is outside [-180, 180]"
    if latitude == 0.0 and longitude == 0.0:
        return "coordinates are (0, 0), a placeholder rather than a place"
    return None


def is_known_country(country_code: str) -> bool:
    """True for an ISO alpha-2 code the gazetteer knows."""
    return load_gazetteer().country(country_code) is not None


def is_plausible_for_country(latitude: float, longitude: float, country_code: str) -> bool:
    """True when valid coordinates lie in or near the country (see the module doc).

    False for an unknown country code or invalid coordinates. A known country with no
    towns in the gazetteer and no region points cannot be judged and passes.
    """
    if _range_problem(latitude, longitude) is not None:
        return False
    gazetteer = load_gazetteer()
    code = country_code.strip().upper()
    if gazetteer.country(code) is None:
        return False
    regions = load_regions()
    if not gazetteer.has_extent(code) and not regions.regions(code):
        return True
    return gazetteer.in_extent(latitude, longitude, code) or regions.near_region_point(
        latitude, longitude, code
    )


def validate_coordinates(
    latitude: float | None, longitude: float | None, country_code: str | None
) -> str | None:
    """The problem with a pair of coordinates, or None when they pass every rule.

    Both empty is valid (no coordinates). Without a country code only the ranges are
    checked.
    """
    problem = _range_problem(latitude, longitude)
    if problem is not None or latitude is None or longitude is None or not country_code:
        return problem
    code = country_code.strip().upper()
    country = load_gazetteer().country(code)
    if country is None:
        return f"unknown country code {country_code!r}"
    if not is_plausible_for_country(latitude, longitude, code):
        return f"({latitude:.5f}, {longitude:.5f}) is far outside {country.name} ({code})"
    return None


def checked_geocode(geocode: Geocode, country_code: str | None) -> Geocode:
    """The geocode itself when it passes :func:`validate_coordinates`; otherwise a
    rejected copy (no coordinates, no precision, ``rejected_reason`` set)."""
    if geocode.latitude is None and geocode.longitude is None:
        return geocode
    problem = validate_coordinates(geocode.latitude, geocode.longitude, country_code)
    if problem is None:
        return geocode
    return dataclasses.replace(
        geocode, latitude=None, longitude=None, precision=None, rejected_reason=problem
    )
