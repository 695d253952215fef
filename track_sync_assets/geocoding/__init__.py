"""Geocoding: addresses to coordinates, offline by default, Nominatim when configured.

Knows nothing of Dagster or the database: the catalogue store is reached through the
:class:`GeocodeCache` protocol. See docs/geocoding.md.
"""

from __future__ import annotations

from track_sync_assets.geocoding.base import (
    Geocoder,
    GeocoderSettings,
    GeocoderUnavailableError,
)
from track_sync_assets.geocoding.batch import GeocodeBatchResult, geocode_addresses
from track_sync_assets.geocoding.cache import GeocodeCache, InMemoryGeocodeCache
from track_sync_assets.geocoding.factory import geocoder_from_settings
from track_sync_assets.geocoding.nominatim import NominatimGeocoder
from track_sync_assets.geocoding.offline import OfflineGeocoder
from track_sync_assets.geocoding.validation import (
    checked_geocode,
    is_plausible_for_country,
    validate_coordinates,
)

__all__ = [
    "GeocodeBatchResult",
    "GeocodeCache",
    "Geocoder",
    "GeocoderSettings",
    "GeocoderUnavailableError",
    "InMemoryGeocodeCache",
    "NominatimGeocoder",
    "OfflineGeocoder",
    "checked_geocode",
    "geocode_addresses",
    "geocoder_from_settings",
    "is_plausible_for_country",
    "validate_coordinates",
]
