"""Geocode many addresses: cache first, look up only the misses, write results back.

An address is re-geocoded only when its normalized form changed (the cache key is
``Address.normalized_key()``) or when the cached answer came from another geocoder
(switching ``TRACK_SYNC_GEOCODER`` re-geocodes once). Found, not-found and rejected
answers are all cached, so a hopeless address is not retried every day; an address
whose look-up *failed* (service unavailable) is not cached and is retried next run.
Every answer, cached or new, passes :func:`.validation.checked_geocode` against the
address's country.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from track_sync_assets.domain import Address, Geocode
from track_sync_assets.geocoding.base import Geocoder, GeocoderUnavailableError
from track_sync_assets.geocoding.cache import GeocodeCache
from track_sync_assets.geocoding.validation import checked_geocode

logger = logging.getLogger(__name__)

WRITE_BACK_EVERY = 50
"""New results are written to the cache in chunks, so a long Nominatim run that dies
half-way keeps what it already paid for."""


@dataclass(slots=True)
class GeocodeBatchResult:
    """What :func:`geocode_addresses` found, per caller key, and what it cost."""

    geocodes: dict[str, Geocode] = field(default_factory=dict)
    """Every key that got an answer: found, not found or rejected."""
    failed: dict[str, str] = field(default_factory=dict)
    """Keys whose look-up failed (not cached; retried next run), with the reason."""
    distinct_addresses: int = 0
    cache_hits: int = 0
    """Distinct addresses answered from the cache."""
    lookups: int = 0
    """Distinct addresses sent to the geocoder."""

    @property
    def precision_counts(self) -> dict[str, int]:
        """Keys per precision of the found geocodes (``street`` ... ``country``)."""
        counts = Counter(g.precision.value for g in self.geocodes.values() if g.precision)
        return dict(counts)

    @property
    def rejected(self) -> dict[str, str]:
        """Keys whose answer was rejected, with the reason."""
        return {k: g.rejected_reason for k, g in self.geocodes.items() if g.rejected_reason}

    @property
    def not_found(self) -> int:
        """Keys with no coordinates and no rejection (nothing matched)."""
        return sum(1 for g in self.geocodes.values() if not g.found and not g.rejected_reason)

    def summary(self) -> dict[str, object]:
        """Counts for logs and run metadata."""
        return {
            "addresses": len(self.geocodes) + len(self.failed),
            "distinct_addresses": self.distinct_addresses,
            "cache_hits": self.cache_hits,
            "lookups": self.lookups,
            "found": sum(self.precision_counts.values()),
            "by_precision": self.precision_counts,
            "not_found": self.not_found,
            "rejected": len(self.rejected),
            "failed": len(self.failed),
        }


def geocode_addresses(
    addresses: Mapping[str, Address],
    geocoder: Geocoder,
    cache: GeocodeCache,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> GeocodeBatchResult:
    """Geocode ``addresses`` (caller key -> address, e.g. slug -> address).

    Addresses sharing a normalized key are looked up once. Raises only what the cache
    raises; a geocoder that becomes unavailable ends the look-ups, and the remaining
    keys are reported in ``failed``. ``on_progress(done, total)`` is called after each
    look-up.
    """
    keys_by_address: dict[str, list[str]] = {}
    address_of: dict[str, Address] = {}
    for key, address in addresses.items():
        normalized = address.normalized_key()
        keys_by_address.setdefault(normalized, []).append(key)
        address_of.setdefault(normalized, address)

    result = GeocodeBatchResult(distinct_addresses=len(keys_by_address))
    answers: dict[str, Geocode] = {}
    for normalized, cached in cache.get_geocodes(list(keys_by_address)).items():
        if normalized in keys_by_address and cached.geocoder == geocoder.name:
            answers[normalized] = checked_geocode(cached, address_of[normalized].country_code)
    result.cache_hits = len(answers)

    misses = [n for n in keys_by_address if n not in answers]
    pending: dict[str, Geocode] = {}
    failure: str | None = None
    try:
        for done, normalized in enumerate(misses, start=1):
            address = address_of[normalized]
            try:
                geocode = geocoder.geocode(address)
            except GeocoderUnavailableError as exc:
                failure = str(exc)
                logger.error("geocoding stopped after %d look-ups: %s", result.lookups, exc)
                break
            result.lookups += 1
            answers[normalized] = pending[normalized] = checked_geocode(
                geocode, address.country_code
            )
            if len(pending) >= WRITE_BACK_EVERY:
                cache.put_geocodes(pending)
                pending = {}
            if on_progress is not None:
                on_progress(done, len(misses))
    finally:
        if pending:
            cache.put_geocodes(pending)

    for normalized, keys in keys_by_address.items():
        for key in keys:
            if normalized in answers:
                result.geocodes[key] = answers[normalized]
            else:
                result.failed[key] = f"not geocoded: {failure or 'geocoder unavailable'}"
    return result
