"""The offline geocoder: the gazetteer, no network.

Fallback order (the first step that succeeds answers):

1. city + region: a city of that name in the region the state field names;
2. city + country, when the state field is empty or names no known region;
3. region: the region's ISO 3166-2 point;
4. country: the country's capital (or most populous city);
5. not found (no country code, or one GeoNames does not know).

A region that *is* recognised is binding: a city of that name elsewhere in the country
is never taken for it (the gazetteer lacks the town, so the answer degrades to the
region). Postal codes and street lines are not used offline (GeoNames' city files
carry no postal data), so offline precision is at best ``city``.

Several cities of one name in the country and no region to choose: the most populous
wins when it is at least :data:`DOMINANT_POPULATION_RATIO` times larger than the
next, or when all of them lie within :data:`SAME_PLACE_KM` of it; otherwise the
answer degrades (to the country) rather than guess between comparable towns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from track_sync_assets.domain import Address, Geocode, GeocodePrecision
from track_sync_assets.geocoding.gazetteer import City, Gazetteer, haversine_km, load_gazetteer
from track_sync_assets.geocoding.names import name_words
from track_sync_assets.geocoding.regions import Region, RegionIndex, load_regions

DOMINANT_POPULATION_RATIO = 5
SAME_PLACE_KM = 50.0
_LINK_NEIGHBOURS = 15

GEOCODER_NAME = "offline"


def name_variants(city: str) -> Iterator[str]:
    """The city as typed, then without a trailing "City"/"Township" ("Panama City" ->
    "Panama")."""
    yield city
    words = name_words(city)
    if len(words) > 1 and words[-1] in {"city", "township", "twp"}:
        yield " ".join(words[:-1])


class OfflineGeocoder:
    """Geocodes addresses against the bundled GeoNames gazetteer (see the module doc).

    Without a ``gazetteer`` the process-wide one is loaded on first use, its cache file
    in ``cache_dir`` (None: ``~/.cache/track-sync``) unless ``cache_file`` is False.
    """

    name = GEOCODER_NAME

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        regions: RegionIndex | None = None,
        *,
        cache_dir: Path | None = None,
        cache_file: bool = True,
    ) -> None:
        self._gazetteer = gazetteer
        self._regions = regions
        self.cache_dir = cache_dir
        self.cache_file = cache_file
        self._admin1_links: dict[str, list[str]] = {}

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = load_gazetteer(self.cache_dir, cache_file=self.cache_file)
        return self._gazetteer

    @property
    def regions(self) -> RegionIndex:
        if self._regions is None:
            self._regions = load_regions()
        return self._regions

    def geocode(self, address: Address) -> Geocode:
        """Locate an address as precisely as the gazetteer allows (never raises on data)."""
        code = (address.country_code or "").strip().upper()
        country = self.gazetteer.country(code) if code else None
        if country is None:
            return Geocode(None, None, None, self.name)
        region = self.regions.resolve(code, address.state)
        city_name = " ".join((address.city or "").split())
        if city_name:
            city = self._find_city(code, city_name, region)
            if city is not None:
                return self._point(city.latitude, city.longitude, GeocodePrecision.CITY)
        if region is not None and region.latitude is not None and region.longitude is not None:
            return self._point(region.latitude, region.longitude, GeocodePrecision.REGION)
        if country.latitude is not None and country.longitude is not None:
            return self._point(country.latitude, country.longitude, GeocodePrecision.COUNTRY)
        return Geocode(None, None, None, self.name)

    def _point(self, latitude: float, longitude: float, precision: GeocodePrecision) -> Geocode:
        return Geocode(latitude, longitude, precision, self.name)

    def _find_city(self, country_code: str, city_name: str, region: Region | None) -> City | None:
        """Primary names before alternate names, the name as typed before its variants.
        Without a region the first name that matches decides (ambiguous: None)."""
        for variant in name_variants(city_name):
            for alternate_names in (False, True):
                candidates = self.gazetteer.cities_named(
                    country_code, variant, alternate_names=alternate_names
                )
                if not candidates:
                    continue
                if region is None:
                    return self._unambiguous(candidates)
                for admin1 in self.admin1_codes(region):
                    in_region = [c for c in candidates if c.admin1_code == admin1]
                    if in_region:
                        return in_region[0]
        return None

    @staticmethod
    def _unambiguous(candidates: list[City]) -> City | None:
        """The city meant when a name has several matches and no region (see module doc)."""
        top = candidates[0]
        if len(candidates) == 1:
            return top
        if all(
            haversine_km(top.latitude, top.longitude, c.latitude, c.longitude) <= SAME_PLACE_KM
            for c in candidates[1:]
        ):
            return top
        if top.population >= DOMINANT_POPULATION_RATIO * max(1, candidates[1].population):
            return top
        return None

    def admin1_codes(self, region: Region) -> list[str]:
        """The GeoNames admin1 codes taken to lie in an ISO region, likeliest first.

        In the US (and wherever GeoNames uses the ISO local code, e.g. Swiss cantons)
        the region's own code is the one answer. Elsewhere GeoNames numbers regions its
        own way, so the link is inferred from the data: the admin1 codes of the
        :data:`_LINK_NEIGHBOURS` cities nearest the region's point, most frequent first.
        That can admit a neighbouring region's code near a border; it never leaves
        the country.
        """
        codes = self._admin1_links.get(region.code)
        if codes is None and region.country_code == "US":
            codes = self._admin1_links[region.code] = [region.local_code]
        if codes is None:
            votes: Counter[str] = Counter()
            if region.latitude is not None and region.longitude is not None:
                nearest = self.gazetteer.nearest_cities(
                    region.country_code, region.latitude, region.longitude, _LINK_NEIGHBOURS
                )
                votes.update(c.admin1_code for c in nearest)
            if region.local_code in votes:
                codes = [region.local_code]
            else:
                codes = [code for code, _ in votes.most_common()]
            self._admin1_links[region.code] = codes
        return codes
