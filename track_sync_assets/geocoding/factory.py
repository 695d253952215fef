"""Which geocoder the settings describe (kept apart from ``base`` so that the geocoders,
which import ``base``, are never imported by it)."""

from __future__ import annotations

from track_sync_assets.geocoding.base import GEOCODER_KINDS, Geocoder, GeocoderSettings
from track_sync_assets.geocoding.gazetteer import cache_options
from track_sync_assets.geocoding.nominatim import NominatimGeocoder
from track_sync_assets.geocoding.offline import OfflineGeocoder


def geocoder_from_settings(settings: GeocoderSettings) -> Geocoder:
    """The geocoder the settings describe."""
    if settings.kind == "nominatim":
        return NominatimGeocoder(
            url=settings.nominatim_url,
            contact=settings.contact,
            min_delay_s=settings.min_delay_s,
            timeout_s=settings.timeout_s,
        )
    if settings.kind != "offline":
        raise ValueError(
            f"unknown geocoder {settings.kind!r}: expected one of {', '.join(GEOCODER_KINDS)}"
        )
    cache_dir, cache_file = cache_options(settings.gazetteer_cache_dir)
    return OfflineGeocoder(cache_dir=cache_dir, cache_file=cache_file)
