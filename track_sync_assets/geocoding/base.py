"""The geocoder interface, its settings and the factory that picks one from the environment."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from track_sync_assets.domain import Address, Geocode

GEOCODER_ENV = "TRACK_SYNC_GEOCODER"
NOMINATIM_URL_ENV = "NOMINATIM_URL"
NOMINATIM_MIN_DELAY_ENV = "NOMINATIM_MIN_DELAY_S"
NOMINATIM_TIMEOUT_ENV = "NOMINATIM_TIMEOUT_S"
CONTACT_ENV = "TRACK_SYNC_CONTACT"

DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org"
GEOCODER_KINDS = ("offline", "nominatim")


class GeocoderUnavailableError(RuntimeError):
    """The geocoding service could not answer (after retries): nothing should be cached,
    and the remaining look-ups of the batch are not attempted."""


class Geocoder(Protocol):
    """Turns a structured address into coordinates."""

    name: str
    """Recorded as ``Geocode.geocoder``: ``offline`` or ``nominatim``."""

    def geocode(self, address: Address) -> Geocode:
        """The address's geocode: found, not found (no coordinates, no reason) or
        rejected (no coordinates, ``rejected_reason`` set).

        Raises :class:`GeocoderUnavailableError` when the service cannot answer.
        """
        ...


@dataclass(frozen=True, slots=True)
class GeocoderSettings:
    """Which geocoder to use and how (from the environment, see :meth:`from_env`)."""

    kind: str = "offline"
    nominatim_url: str = DEFAULT_NOMINATIM_URL
    min_delay_s: float = 1.0
    """Minimum seconds between two Nominatim requests (its usage policy: 1 per second)."""
    timeout_s: float = 10.0
    contact: str | None = None
    """An e-mail address or URL identifying the operator, sent in the User-Agent."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GeocoderSettings:
        """Read ``TRACK_SYNC_GEOCODER``, ``NOMINATIM_URL``, ``NOMINATIM_MIN_DELAY_S``,
        ``NOMINATIM_TIMEOUT_S`` and ``TRACK_SYNC_CONTACT``; raise ValueError on a bad value."""
        env = os.environ if environ is None else environ
        kind = (env.get(GEOCODER_ENV) or "offline").strip().lower()
        if kind not in GEOCODER_KINDS:
            raise ValueError(
                f"{GEOCODER_ENV} must be one of {', '.join(GEOCODER_KINDS)}, got {kind!r}"
            )
        return cls(
            kind=kind,
            nominatim_url=(env.get(NOMINATIM_URL_ENV) or DEFAULT_NOMINATIM_URL).strip(),
            min_delay_s=_seconds(env, NOMINATIM_MIN_DELAY_ENV, 1.0, allow_zero=True),
            timeout_s=_seconds(env, NOMINATIM_TIMEOUT_ENV, 10.0, allow_zero=False),
            contact=(env.get(CONTACT_ENV) or "").strip() or None,
        )


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


def geocoder_from_settings(settings: GeocoderSettings) -> Geocoder:
    """The geocoder the settings describe."""
    if settings.kind == "nominatim":
        from track_sync_assets.geocoding.nominatim import NominatimGeocoder

        return NominatimGeocoder(
            url=settings.nominatim_url,
            contact=settings.contact,
            min_delay_s=settings.min_delay_s,
            timeout_s=settings.timeout_s,
        )
    from track_sync_assets.geocoding.offline import OfflineGeocoder

    return OfflineGeocoder()


def geocoder_from_env(environ: Mapping[str, str] | None = None) -> Geocoder:
    """The geocoder chosen by ``TRACK_SYNC_GEOCODER`` (default ``offline``)."""
    return geocoder_from_settings(GeocoderSettings.from_env(environ))
