"""The catalogue store is a geocode cache: answers survive the process, lookups are not repeated."""

from __future__ import annotations

from track_sync_assets.domain import Address, Geocode, GeocodePrecision
from track_sync_assets.geocoding import geocode_addresses
from track_sync_assets.store import CatalogueStore

from .conftest import LUCAMA, NARRABUNDAH, CountingGeocoder


class IndiaForIndiana:
    """A confused geocoder: every answer lies in India."""

    name = "offline"

    def geocode(self, address: Address) -> Geocode:
        return Geocode(22.0, 79.0, GeocodePrecision.CITY, self.name)


def test_found_not_found_and_rejected_answers_round_trip_through_the_store(
    database_url: str,
) -> None:
    addresses = {
        "thunderalley": LUCAMA,
        "canberraoffroad": NARRABUNDAH,
        "nowhere": Address(None, "Somewhere", None, None, None),
    }
    geocoder = CountingGeocoder()
    with CatalogueStore(database_url) as store:
        first = geocode_addresses(addresses, geocoder, store)
    with CatalogueStore(database_url) as store:  # a later run, a new process
        second = geocode_addresses(addresses, geocoder, store)
        indy = {"indy": Address(None, "Indianapolis", "IN", None, "US")}
        rejected = geocode_addresses(indy, IndiaForIndiana(), store)
        reread = store.get_geocodes([indy["indy"].normalized_key()])
    assert len(geocoder.calls) == 3
    assert (second.cache_hits, second.lookups) == (3, 0)
    assert second.geocodes == first.geocodes
    assert first.precision_counts == {"city": 2} and first.not_found == 1
    (stored,) = reread.values()
    assert stored == rejected.geocodes["indy"]
    assert not stored.found and "far outside" in (stored.rejected_reason or "")
