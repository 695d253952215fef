"""Choosing and configuring the geocoder: the settings, and the environment that sets them."""

from __future__ import annotations

from pathlib import Path

import pytest

from track_sync_assets.environment.geocoding import geocoder_from_env, geocoder_settings_from_env
from track_sync_assets.geocoding import GeocoderSettings, geocoder_from_settings
from track_sync_assets.geocoding.nominatim import NominatimGeocoder
from track_sync_assets.geocoding.offline import OfflineGeocoder
from track_sync_assets.geocoding.standin import NominatimStandIn

from .conftest import LUCAMA


def test_defaults_are_offline_and_the_public_nominatim_policy() -> None:
    settings = geocoder_settings_from_env({})
    assert settings == GeocoderSettings()
    assert settings.kind == "offline"
    assert settings.nominatim_url == "https://nominatim.openstreetmap.org"
    assert settings.min_delay_s == 1.0
    assert settings.contact is None
    assert settings.gazetteer_cache_dir == ""


def test_every_variable_is_read() -> None:
    settings = geocoder_settings_from_env(
        {
            "TRACK_SYNC_GEOCODER": " Nominatim ",
            "NOMINATIM_URL": "http://127.0.0.1:8089",
            "NOMINATIM_MIN_DELAY_S": "0.25",
            "NOMINATIM_TIMEOUT_S": "3",
            "TRACK_SYNC_CONTACT": "ops@example.org",
            "TRACK_SYNC_GAZETTEER_CACHE_DIR": " /var/cache/track-sync ",
        }
    )
    assert settings == GeocoderSettings(
        kind="nominatim",
        nominatim_url="http://127.0.0.1:8089",
        min_delay_s=0.25,
        timeout_s=3.0,
        contact="ops@example.org",
        gazetteer_cache_dir="/var/cache/track-sync",
    )


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"TRACK_SYNC_GEOCODER": "google"}, "TRACK_SYNC_GEOCODER"),
        ({"NOMINATIM_MIN_DELAY_S": "fast"}, "NOMINATIM_MIN_DELAY_S"),
        ({"NOMINATIM_MIN_DELAY_S": "-1"}, "NOMINATIM_MIN_DELAY_S"),
        ({"NOMINATIM_MIN_DELAY_S": "nan"}, "NOMINATIM_MIN_DELAY_S"),
        ({"NOMINATIM_MIN_DELAY_S": "inf"}, "NOMINATIM_MIN_DELAY_S"),
        ({"NOMINATIM_TIMEOUT_S": "0"}, "NOMINATIM_TIMEOUT_S"),
    ],
)
def test_a_bad_value_is_a_clear_error(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        geocoder_settings_from_env(environ)


def test_the_factory_builds_the_offline_geocoder_by_default() -> None:
    assert isinstance(geocoder_from_settings(GeocoderSettings()), OfflineGeocoder)
    assert isinstance(geocoder_from_env({}), OfflineGeocoder)
    assert isinstance(geocoder_from_env({"TRACK_SYNC_GEOCODER": "offline"}), OfflineGeocoder)


def test_the_offline_geocoder_gets_the_gazetteer_cache_folder(tmp_path: Path) -> None:
    geocoder = geocoder_from_settings(GeocoderSettings(gazetteer_cache_dir=str(tmp_path)))
    assert isinstance(geocoder, OfflineGeocoder)
    assert (geocoder.cache_dir, geocoder.cache_file) == (tmp_path, True)
    default = geocoder_from_settings(GeocoderSettings())
    assert isinstance(default, OfflineGeocoder)
    assert (default.cache_dir, default.cache_file) == (None, True)
    off = geocoder_from_env({"TRACK_SYNC_GAZETTEER_CACHE_DIR": "off"})
    assert isinstance(off, OfflineGeocoder) and off.cache_file is False


def test_an_unknown_kind_in_the_settings_is_refused() -> None:
    with pytest.raises(ValueError, match="google"):
        geocoder_from_settings(GeocoderSettings(kind="google"))


def test_the_factory_builds_a_nominatim_geocoder_aimed_at_nominatim_url() -> None:
    with NominatimStandIn() as standin:
        geocoder = geocoder_from_env(
            {
                "TRACK_SYNC_GEOCODER": "nominatim",
                "NOMINATIM_URL": standin.url,
                "NOMINATIM_MIN_DELAY_S": "0.05",
                "TRACK_SYNC_CONTACT": "ops@example.org",
            }
        )
        assert isinstance(geocoder, NominatimGeocoder)
        assert geocoder.geocode(LUCAMA).geocoder == "nominatim"
        assert standin.search_requests
        assert "ops@example.org" in standin.search_requests[0].headers["User-Agent"]


def test_the_public_nominatim_without_a_contact_is_refused() -> None:
    with pytest.raises(ValueError, match="TRACK_SYNC_CONTACT"):
        geocoder_from_settings(GeocoderSettings(kind="nominatim"))
