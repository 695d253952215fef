"""Fixtures for the geocoding tests: a local Nominatim stand-in and a counting geocoder."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from track_sync_assets.domain import Address, Geocode
from track_sync_assets.geocoding.nominatim import NominatimGeocoder
from track_sync_assets.geocoding.offline import OfflineGeocoder
from track_sync_assets.geocoding.standin import NominatimStandIn

LUCAMA = Address("5320 US 301", "Lucama", "NC", "27851", "US")
NARRABUNDAH = Address("Kyeema Street", "Narrabundah", None, "02604", "AU")


class CountingGeocoder:
    """Wraps the offline geocoder, counts the addresses it is asked to geocode and
    labels its answers with ``name``."""

    def __init__(self, inner: OfflineGeocoder | None = None, name: str = "offline") -> None:
        self.inner = inner or OfflineGeocoder()
        self.name = name
        self.calls: list[Address] = []

    def geocode(self, address: Address) -> Geocode:
        self.calls.append(address)
        return dataclasses.replace(self.inner.geocode(address), geocoder=self.name)


@pytest.fixture
def standin() -> Iterator[NominatimStandIn]:
    """A Nominatim stand-in on 127.0.0.1, on a free port."""
    with NominatimStandIn() as server:
        yield server


def fast_nominatim(standin: NominatimStandIn, **overrides: object) -> NominatimGeocoder:
    """A Nominatim geocoder aimed at the stand-in with a short delay and backoff."""
    options: dict[str, object] = {
        "url": standin.url,
        "contact": "tests@example.org",
        "min_delay_s": 0.05,
        "timeout_s": 5.0,
        "backoff_s": 0.05,
        "max_attempts": 3,
    }
    options.update(overrides)
    return NominatimGeocoder(**options)  # type: ignore[arg-type]
