"""Where geocodes are remembered between runs, keyed by ``Address.normalized_key()``.

The catalogue store implements :class:`GeocodeCache` on the database;
:class:`InMemoryGeocodeCache` serves tests and one-off runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from track_sync_assets.domain import Geocode


class GeocodeCache(Protocol):
    """Geocodes by normalized address key (found, not found and rejected alike)."""

    def get_geocodes(self, keys: Iterable[str]) -> dict[str, Geocode]:
        """The cached geocodes of those keys that have one."""
        ...

    def put_geocodes(self, mapping: Mapping[str, Geocode]) -> object:
        """Store (insert or replace) geocodes by key (any return value is ignored)."""
        ...


class InMemoryGeocodeCache:
    """A :class:`GeocodeCache` in a dict, counting its reads and writes."""

    def __init__(self, entries: Mapping[str, Geocode] | None = None) -> None:
        self.entries: dict[str, Geocode] = dict(entries or {})
        self.reads = 0
        self.writes = 0

    def get_geocodes(self, keys: Iterable[str]) -> dict[str, Geocode]:
        self.reads += 1
        return {key: self.entries[key] for key in keys if key in self.entries}

    def put_geocodes(self, mapping: Mapping[str, Geocode]) -> None:
        self.writes += 1
        self.entries.update(mapping)
