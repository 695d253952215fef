"""States, provinces and other first-level regions, from ISO 3166-2 (the ``iso3166-2`` package).

GeoNames (our city gazetteer) gives each city a first-level division code but no
names for those codes, and outside the US its codes (``AU 01``, ``CA 08``) are not what
people type (``ACT``, ``ON``). ISO 3166-2 supplies the names, the codes people use
and a representative point per region; :class:`RegionIndex` resolves what a track
typed in its state field to one of those regions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from track_sync_assets.geocoding.gazetteer import dilated_cells, grid_cell
from track_sync_assets.geocoding.names import place_key

_LANGUAGE_TAG = re.compile(r"\s*\([a-z]{3}\)\s*$")
_BRACKETED = re.compile(r"\[([^\]]*)\]")


@dataclass(frozen=True, slots=True)
class Region:
    """An ISO 3166-2 subdivision."""

    code: str
    """Full ISO 3166-2 code, e.g. ``AU-ACT``."""
    name: str
    latitude: float | None
    longitude: float | None
    is_top_level: bool
    """False for a subdivision of another subdivision (e.g. a French département)."""

    @property
    def country_code(self) -> str:
        return self.code.split("-", 1)[0]

    @property
    def local_code(self) -> str:
        """The part after the country, e.g. ``ACT`` or ``NC``."""
        return self.code.split("-", 1)[1]


def _aliases(code: str, record: Mapping[str, Any]) -> set[str]:
    """Every spelling a track may type for a region: local code, full code, name,
    other local names and bracketed abbreviations (``[FCT]``)."""
    spellings = [code, code.split("-", 1)[1], record.get("name") or ""]
    spellings += (record.get("localOtherName") or "").split(",")
    out: set[str] = set()
    for spelling in spellings:
        spelling = _LANGUAGE_TAG.sub("", spelling.strip())
        for inner in _BRACKETED.findall(spelling):
            if len(inner.split()) == 1:
                out.add(place_key(inner))
        out.add(place_key(_BRACKETED.sub("", spelling)))
    out.discard("")
    return out


class RegionIndex:
    """Resolves state/province text to an ISO 3166-2 region, per country."""

    def __init__(self, subdivisions: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> None:
        self._subdivisions = subdivisions
        self._by_country: dict[str, dict[str, Region]] = {}
        self._cells: dict[str, frozenset[int]] = {}

    def _aliases_of(self, country_code: str) -> dict[str, Region]:
        code = country_code.upper()
        index = self._by_country.get(code)
        if index is None:
            candidates: dict[str, list[Region]] = {}
            for sub_code, record in (self._subdivisions.get(code) or {}).items():
                lat_lng = record.get("latLng") or (None, None)
                region = Region(
                    code=sub_code,
                    name=record.get("name") or sub_code,
                    latitude=lat_lng[0],
                    longitude=lat_lng[1],
                    is_top_level=not record.get("parentCode"),
                )
                for alias in _aliases(sub_code, record):
                    candidates.setdefault(alias, []).append(region)
            index = {}
            for alias, regions in candidates.items():
                # A spelling shared by several regions names none of them, unless exactly
                # one of them is top-level (a state beats a same-named district).
                top = [r for r in regions if r.is_top_level] if len(regions) > 1 else regions
                if len(top) == 1:
                    index[alias] = top[0]
            self._by_country[code] = index
        return index

    def resolve(self, country_code: str | None, text: str | None) -> Region | None:
        """The region of a country that ``text`` names (``"NC"``, ``"Queensland"``,
        ``"N.S.W."``, ``"Ont."``), or None. Never looks outside the given country."""
        if not country_code or not text:
            return None
        key = place_key(text)
        aliases = self._aliases_of(country_code)
        if key in aliases or len(key) < 3:
            return aliases.get(key)
        # An abbreviation such as "Ont." or "Sask": the one top-level region it begins.
        matches = {
            region
            for alias, region in aliases.items()
            if region.is_top_level and alias.startswith(key) and place_key(region.name) == alias
        }
        return matches.pop() if len(matches) == 1 else None

    def regions(self, country_code: str) -> list[Region]:
        """The distinct regions of a country."""
        return sorted(set(self._aliases_of(country_code).values()), key=lambda r: r.code)

    def near_region_point(self, latitude: float, longitude: float, country_code: str) -> bool:
        """True when the point is within about one grid cell of one of the country's
        region points (these cover sparsely populated regions that have few towns)."""
        code = country_code.upper()
        cells = self._cells.get(code)
        if cells is None:
            occupied = {
                grid_cell(r.latitude, r.longitude)
                for r in self.regions(code)
                if r.latitude is not None and r.longitude is not None
            }
            cells = self._cells.setdefault(code, dilated_cells(occupied))
        return grid_cell(latitude, longitude) in cells


_lock = threading.Lock()
_loaded: RegionIndex | None = None


def load_regions() -> RegionIndex:
    """The process-wide region index (ISO 3166-2 data, loaded on first use)."""
    global _loaded
    with _lock:
        if _loaded is None:
            from iso3166_2 import Subdivisions

            _loaded = RegionIndex(Subdivisions().all)
        return _loaded
