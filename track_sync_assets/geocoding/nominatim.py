"""The Nominatim geocoder (OpenStreetMap), through geopy, within Nominatim's usage policy.

- Structured queries (``street``, ``city``, ``state``, ``postalcode``) filtered with
  ``countrycodes`` to the track's country; the state code is spelled out ("NC" ->
  "North Carolina") when ISO 3166-2 knows it.
- When the full address finds nothing the query is relaxed step by step: without the
  street, without the postal code, postal code alone, region alone, country alone.
  Each step is one request, so a hopeless address costs up to six requests.
- At most one request per ``min_delay_s`` (default 1 s) per Nominatim host in this
  process, retries included; retries with exponential backoff (honouring
  ``Retry-After``) on timeouts, connection errors, 429 and 5xx.
- A User-Agent naming track-sync and the operator's contact (``TRACK_SYNC_CONTACT``,
  required for the public instance).
- Answers are validated at the source: an answer in another country, or far from the
  track's country, is rejected (see :mod:`.validation`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any
from urllib.parse import urlsplit

from geopy.adapters import URLLibAdapter
from geopy.exc import (
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from track_sync_assets.domain import Address, Geocode, GeocodePrecision
from track_sync_assets.geocoding.base import (
    CONTACT_ENV,
    DEFAULT_NOMINATIM_URL,
    GeocoderUnavailableError,
)
from track_sync_assets.geocoding.gazetteer import load_gazetteer
from track_sync_assets.geocoding.regions import RegionIndex, load_regions
from track_sync_assets.geocoding.validation import checked_geocode

logger = logging.getLogger(__name__)

GEOCODER_NAME = "nominatim"
PUBLIC_NOMINATIM_HOST = "nominatim.openstreetmap.org"

_PRECISION_BY_TYPE: dict[str, GeocodePrecision] = {
    **dict.fromkeys(
        ("house", "building", "house_number", "road", "street", "residential_road", "poi"),
        GeocodePrecision.STREET,
    ),
    "postcode": GeocodePrecision.POSTAL,
    **dict.fromkeys(
        (
            "city",
            "town",
            "village",
            "hamlet",
            "municipality",
            "suburb",
            "neighbourhood",
            "quarter",
            "city_district",
            "borough",
            "locality",
            "isolated_dwelling",
            "farm",
            "croft",
        ),
        GeocodePrecision.CITY,
    ),
    **dict.fromkeys(
        ("county", "state_district", "state", "region", "province", "district", "territory"),
        GeocodePrecision.REGION,
    ),
    "country": GeocodePrecision.COUNTRY,
}
_STREET_LEVEL_CLASSES = frozenset(
    {"building", "amenity", "shop", "leisure", "tourism", "office", "craft", "highway", "sport"}
)


def precision_of(raw: Mapping[str, Any]) -> GeocodePrecision:
    """How precise a Nominatim result is, from its ``addresstype``/``type``, its class
    and, failing those, its ``place_rank``."""
    for field in ("addresstype", "type"):
        precision = _PRECISION_BY_TYPE.get(str(raw.get(field) or ""))
        if precision is not None:
            return precision
    if str(raw.get("class") or raw.get("category") or "") in _STREET_LEVEL_CLASSES:
        return GeocodePrecision.STREET
    try:
        rank = int(raw.get("place_rank") or 0)
    except (TypeError, ValueError):
        rank = 0
    if rank >= 26:
        return GeocodePrecision.STREET
    if rank >= 13:
        return GeocodePrecision.CITY
    if rank >= 5:
        return GeocodePrecision.REGION
    return GeocodePrecision.COUNTRY


def _noop() -> None:
    return None


_gates: dict[tuple[str, float], RateLimiter] = {}
_gates_lock = threading.Lock()


def _request_gate(host: str, min_delay_s: float) -> Callable[[], None]:
    """A process-wide gate per host: calling it waits until a request may start."""
    with _gates_lock:
        key = (host, min_delay_s)
        if key not in _gates:
            _gates[key] = RateLimiter(
                _noop, min_delay_seconds=min_delay_s, max_retries=0, swallow_exceptions=False
            )
        return _gates[key]


def _track_sync_version() -> str:
    try:
        return package_version("track-sync")
    except PackageNotFoundError:
        return "dev"


def _is_transient(exc: GeopyError) -> bool:
    """Timeouts, connection errors, 429 and 5xx are worth retrying; the rest is not."""
    if isinstance(exc, GeocoderTimedOut | GeocoderUnavailable | GeocoderRateLimited):
        return True
    status = getattr(exc.__cause__, "status_code", None)
    return isinstance(exc, GeocoderServiceError) and isinstance(status, int) and status >= 500


class NominatimGeocoder:
    """Geocodes through a Nominatim server (see the module doc)."""

    name = GEOCODER_NAME

    def __init__(
        self,
        *,
        url: str = DEFAULT_NOMINATIM_URL,
        contact: str | None = None,
        min_delay_s: float = 1.0,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_s: float = 2.0,
        max_backoff_s: float = 60.0,
        regions: RegionIndex | None = None,
    ) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"NOMINATIM_URL must be an http(s) URL, got {url!r}")
        if parts.hostname == PUBLIC_NOMINATIM_HOST:
            if not contact:
                raise ValueError(
                    f"{CONTACT_ENV} must be set (an e-mail address or URL) to use the public "
                    f"Nominatim at {url}: its usage policy requires identifying the application"
                )
            if min_delay_s < 1.0:
                raise ValueError(
                    "the public Nominatim allows at most one request per second: "
                    f"NOMINATIM_MIN_DELAY_S must be >= 1, got {min_delay_s}"
                )
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        domain = parts.netloc + parts.path.rstrip("/")
        self.url = f"{parts.scheme}://{domain}"
        self.user_agent = f"track-sync/{_track_sync_version()}" + (
            f" (+{contact})" if contact else ""
        )
        self.min_delay_s = min_delay_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.requests_made = 0
        self._regions = regions
        self._gate = _request_gate(domain, min_delay_s)
        self._client = Nominatim(
            user_agent=self.user_agent,
            domain=domain,
            scheme=parts.scheme,
            timeout=timeout_s,
            adapter_factory=URLLibAdapter,
        )

    @property
    def regions(self) -> RegionIndex:
        if self._regions is None:
            self._regions = load_regions()
        return self._regions

    def geocode(self, address: Address) -> Geocode:
        """Search the address, relaxing the query until something is found."""
        code = (address.country_code or "").strip().upper()
        if not code:
            return Geocode(None, None, None, self.name)
        for query in self.queries(address):
            raw = self._search(query, code)
            if raw is None:
                continue
            return self._to_geocode(raw, code)
        return Geocode(None, None, None, self.name)

    def queries(self, address: Address) -> list[dict[str, str]]:
        """The structured queries tried for an address, most specific first."""
        code = (address.country_code or "").strip().upper()
        street = " ".join((address.street_address or "").split())
        city = " ".join((address.city or "").split())
        postal = " ".join((address.postal_code or "").split())
        state = " ".join((address.state or "").split())
        region = self.regions.resolve(code, state) if state else None
        if region is not None:
            state = region.name.split("[")[0].strip()
        country = load_gazetteer().country(code)
        steps: list[dict[str, str]] = []
        if street:
            steps.append({"street": street, "city": city, "state": state, "postalcode": postal})
        if city:
            steps.append({"city": city, "state": state, "postalcode": postal})
            steps.append({"city": city, "state": state})
        if postal:
            steps.append({"postalcode": postal})
        if state:
            steps.append({"state": state})
        steps.append({"country": country.name if country else code})
        queries: list[dict[str, str]] = []
        for step in steps:
            query = {key: value for key, value in step.items() if value}
            if query not in queries:
                queries.append(query)
        return queries

    def _search(self, query: dict[str, str], country_code: str) -> dict[str, Any] | None:
        """One search, retried on transient errors; the raw result or None."""
        for attempt in range(1, self.max_attempts + 1):
            self._gate()
            self.requests_made += 1
            try:
                location = self._client.geocode(
                    query,
                    exactly_one=True,
                    addressdetails=True,
                    country_codes=country_code.lower(),
                )
            except GeopyError as exc:
                if not _is_transient(exc) or attempt == self.max_attempts:
                    raise GeocoderUnavailableError(
                        f"Nominatim at {self.url} failed after {attempt} attempt(s): {exc}"
                    ) from exc
                wait = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
                retry_after = getattr(exc, "retry_after", None)
                if retry_after:
                    wait = max(wait, min(float(retry_after), self.max_backoff_s))
                logger.warning("Nominatim: %s; retrying in %.1f s", exc, wait)
                time.sleep(wait)
                continue
            return dict(location.raw) if location is not None else None
        return None  # pragma: no cover - the loop always returns or raises

    def _to_geocode(self, raw: Mapping[str, Any], country_code: str) -> Geocode:
        try:
            latitude, longitude = float(raw["lat"]), float(raw["lon"])
        except (KeyError, TypeError, ValueError):
            return Geocode(None, None, None, self.name, rejected_reason="answer without lat/lon")
        answered_country = str((raw.get("address") or {}).get("country_code") or "").upper()
        if answered_country and answered_country != country_code:
            return Geocode(
                None,
                None,
                None,
                self.name,
                rejected_reason=(
                    f"answer ({latitude:.5f}, {longitude:.5f}) is in {answered_country}, "
                    f"not {country_code}"
                ),
            )
        geocode = Geocode(latitude, longitude, precision_of(raw), self.name)
        return checked_geocode(geocode, country_code)
