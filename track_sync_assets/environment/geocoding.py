"""Environment variables -> :class:`~track_sync_assets.geocoding.GeocoderSettings`.

The geocoding layer reads no environment: this module maps its variables for callers
outside Dagster (command-line tools, benchmarks); the Dagster resource gets the same
variables from :mod:`track_sync_assets.environment.resources`. Errors name the variable.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from track_sync_assets.geocoding.base import (
    DEFAULT_NOMINATIM_URL,
    GEOCODER_KINDS,
    Geocoder,
    GeocoderSettings,
)
from track_sync_assets.geocoding.factory import geocoder_from_settings

GEOCODER_VAR = "TRACK_SYNC_GEOCODER"
NOMINATIM_URL_VAR = "NOMINATIM_URL"
NOMINATIM_MIN_DELAY_VAR = "NOMINATIM_MIN_DELAY_S"
NOMINATIM_TIMEOUT_VAR = "NOMINATIM_TIMEOUT_S"
CONTACT_VAR = "TRACK_SYNC_CONTACT"
GAZETTEER_CACHE_DIR_VAR = "TRACK_SYNC_GAZETTEER_CACHE_DIR"
"""Folder of the gazetteer cache file (default ``~/.cache/track-sync``); ``off`` disables it."""


def geocoder_settings_from_env(environ: Mapping[str, str] | None = None) -> GeocoderSettings:
    """Read ``TRACK_SYNC_GEOCODER``, ``NOMINATIM_URL``, ``NOMINATIM_MIN_DELAY_S``,
    ``NOMINATIM_TIMEOUT_S``, ``TRACK_SYNC_CONTACT`` and ``TRACK_SYNC_GAZETTEER_CACHE_DIR``
    (``environ``, default the process's environment); raise ValueError on a bad value."""
    env = os.environ if environ is None else environ
    kind = (env.get(GEOCODER_VAR) or "offline").strip().lower()
    if kind not in GEOCODER_KINDS:
        raise ValueError(f"{GEOCODER_VAR} must be one of {', '.join(GEOCODER_KINDS)}, got {kind!r}")
    return GeocoderSettings(
        kind=kind,
        nominatim_url=(env.get(NOMINATIM_URL_VAR) or DEFAULT_NOMINATIM_URL).strip(),
        min_delay_s=_seconds(env, NOMINATIM_MIN_DELAY_VAR, 1.0, allow_zero=True),
        timeout_s=_seconds(env, NOMINATIM_TIMEOUT_VAR, 10.0, allow_zero=False),
        contact=(env.get(CONTACT_VAR) or "").strip() or None,
        gazetteer_cache_dir=(env.get(GAZETTEER_CACHE_DIR_VAR) or "").strip(),
    )


def geocoder_from_env(environ: Mapping[str, str] | None = None) -> Geocoder:
    """The geocoder :func:`geocoder_settings_from_env` describes (default: offline)."""
    return geocoder_from_settings(geocoder_settings_from_env(environ))


def _seconds(env: Mapping[str, str], name: str, default: float, *, allow_zero: bool) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        kind = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{name} must be {kind} finite number of seconds, got {raw!r}")
    return value
