"""Batch geocoding: the cache decides what is looked up, and every answer is remembered."""

from __future__ import annotations

import pytest

from track_sync_assets.domain import Address, Geocode, GeocodePrecision
from track_sync_assets.geocoding import (
    GeocoderUnavailableError,
    InMemoryGeocodeCache,
    geocode_addresses,
)
from track_sync_assets.geocoding import batch as batch_module

from .conftest import LUCAMA, NARRABUNDAH, CountingGeocoder

INDIANAPOLIS = Address("1 Speedway", "Indianapolis", "IN", "46222", "US")
NOWHERE = Address(None, "Nowhere Gully", None, None, "AU")


def catalogue() -> dict[str, Address]:
    return {
        "thunderalley": LUCAMA,
        "canberraoffroad": NARRABUNDAH,
        "indy": INDIANAPOLIS,
        "nowhere": NOWHERE,
        "stateless": Address(None, None, None, None, None),
    }


def test_first_run_looks_up_every_address_and_caches_all_answers() -> None:
    geocoder, cache = CountingGeocoder(), InMemoryGeocodeCache()
    result = geocode_addresses(catalogue(), geocoder, cache)
    assert len(geocoder.calls) == 5
    assert (result.lookups, result.cache_hits, result.distinct_addresses) == (5, 0, 5)
    assert set(result.geocodes) == set(catalogue())
    assert result.precision_counts == {"city": 3, "country": 1}
    assert result.not_found == 1
    assert set(cache.entries) == {a.normalized_key() for a in catalogue().values()}


def test_the_cache_prevents_repeat_lookups() -> None:
    geocoder, cache = CountingGeocoder(), InMemoryGeocodeCache()
    first = geocode_addresses(catalogue(), geocoder, cache)
    second = geocode_addresses(catalogue(), geocoder, cache)
    assert len(geocoder.calls) == 5  # none on the second run
    assert (second.lookups, second.cache_hits) == (0, 5)
    assert second.geocodes == first.geocodes


def test_only_a_changed_address_is_geocoded_again() -> None:
    geocoder, cache = CountingGeocoder(), InMemoryGeocodeCache()
    geocode_addresses(catalogue(), geocoder, cache)
    moved = {**catalogue(), "indy": Address("1 Speedway", "Greencastle", "IN", "46135", "US")}
    result = geocode_addresses(moved, geocoder, cache)
    assert geocoder.calls[5:] == [moved["indy"]]
    assert (result.lookups, result.cache_hits) == (1, 4)


def test_case_and_spacing_differences_share_one_lookup() -> None:
    geocoder, cache = CountingGeocoder(), InMemoryGeocodeCache()
    shouty = Address("5320  US 301", "LUCAMA", "nc", "27851", "us")
    result = geocode_addresses({"a": LUCAMA, "b": shouty}, geocoder, cache)
    assert len(geocoder.calls) == 1
    assert result.geocodes["a"] == result.geocodes["b"]
    assert result.distinct_addresses == 1


class FarAwayGeocoder:
    """Answers every address with a point in India, as a confused service might."""

    name = "nominatim"

    def __init__(self) -> None:
        self.calls = 0

    def geocode(self, address: Address) -> Geocode:
        self.calls += 1
        return Geocode(22.0, 79.0, GeocodePrecision.CITY, self.name)


def test_answers_far_outside_the_country_are_rejected_flagged_and_cached() -> None:
    geocoder, cache = FarAwayGeocoder(), InMemoryGeocodeCache()
    result = geocode_addresses({"indy": INDIANAPOLIS}, geocoder, cache)
    rejected = result.geocodes["indy"]
    assert not rejected.found and rejected.precision is None
    assert "far outside United States" in result.rejected["indy"]
    assert cache.entries[INDIANAPOLIS.normalized_key()] == rejected
    geocode_addresses({"indy": INDIANAPOLIS}, geocoder, cache)
    assert geocoder.calls == 1  # a rejection is not retried every day


def test_a_not_found_answer_is_cached_so_it_is_not_retried_daily() -> None:
    geocoder, cache = CountingGeocoder(), InMemoryGeocodeCache()
    stateless = {"x": Address(None, "Somewhere", None, None, None)}
    geocode_addresses(stateless, geocoder, cache)
    second = geocode_addresses(stateless, geocoder, cache)
    assert len(geocoder.calls) == 1
    assert second.not_found == 1 and second.cache_hits == 1


def test_answers_cached_by_another_geocoder_are_looked_up_again() -> None:
    cache = InMemoryGeocodeCache()
    geocode_addresses({"a": LUCAMA}, CountingGeocoder(), cache)
    other = CountingGeocoder(name="nominatim")
    result = geocode_addresses({"a": LUCAMA}, other, cache)
    assert len(other.calls) == 1 and result.cache_hits == 0
    assert cache.entries[LUCAMA.normalized_key()].geocoder == "nominatim"


def test_cached_answers_are_validated_again() -> None:
    bad = Geocode(22.0, 79.0, GeocodePrecision.CITY, "offline")
    cache = InMemoryGeocodeCache({INDIANAPOLIS.normalized_key(): bad})
    result = geocode_addresses({"indy": INDIANAPOLIS}, CountingGeocoder(), cache)
    assert result.cache_hits == 1
    assert "indy" in result.rejected


class FailingAfter:
    """Geocodes offline, then becomes unavailable after ``ok`` look-ups."""

    name = "offline"

    def __init__(self, ok: int) -> None:
        self.inner = CountingGeocoder()
        self.ok = ok

    def geocode(self, address: Address) -> Geocode:
        if len(self.inner.calls) >= self.ok:
            raise GeocoderUnavailableError("service down")
        return self.inner.geocode(address)


def test_an_unavailable_geocoder_stops_the_batch_and_caches_nothing_for_the_rest() -> None:
    cache = InMemoryGeocodeCache()
    result = geocode_addresses(catalogue(), FailingAfter(ok=2), cache)
    assert result.lookups == 2
    assert len(result.geocodes) == 2 and len(result.failed) == 3
    assert all("service down" in reason for reason in result.failed.values())
    assert len(cache.entries) == 2  # what was paid for is kept
    assert result.summary()["failed"] == 3


def test_new_answers_are_written_back_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_module, "WRITE_BACK_EVERY", 2)
    cache = InMemoryGeocodeCache()
    progress: list[tuple[int, int]] = []
    geocode_addresses(
        catalogue(), CountingGeocoder(), cache, on_progress=lambda d, t: progress.append((d, t))
    )
    assert cache.writes == 3  # 2 + 2 + 1
    assert progress[-1] == (5, 5)
