"""The geocoder interface, its settings and the factory that builds one from them.

Nothing here reads the environment: the Dagster resource (or
:mod:`track_sync_assets.environment.geocoding` for other callers) builds the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from track_sync_assets.domain import Address, Geocode

CONTACT_ENV = "TRACK_SYNC_CONTACT"
"""The variable named in the error when the public Nominatim is used without a contact."""

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
    """Which geocoder to use and how (built by the Dagster resource or
    :func:`track_sync_assets.environment.geocoding.geocoder_settings_from_env`)."""

    kind: str = "offline"
    """``offline`` or ``nominatim`` (see :data:`GEOCODER_KINDS`)."""
    nominatim_url: str = DEFAULT_NOMINATIM_URL
    min_delay_s: float = 1.0
    """Minimum seconds between two Nominatim requests (its usage policy: 1 per second)."""
    timeout_s: float = 10.0
    contact: str | None = None
    """An e-mail address or URL identifying the operator, sent in the User-Agent."""
    gazetteer_cache_dir: str = ""
    """Folder of the gazetteer cache file: empty for ``~/.cache/track-sync``, ``off`` for
    no cache file (see :func:`.gazetteer.cache_options`)."""
