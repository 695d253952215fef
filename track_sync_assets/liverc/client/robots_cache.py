"""Where robots.txt answers are kept between runs: the :class:`RobotsCache` protocol.

The client only needs ``get`` and ``put``; a database-backed cache lives with the store
(the client never imports it). :class:`InMemoryRobotsCache` is the default and the
reference implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CachedRobots:
    """One origin's last robots.txt answer worth keeping (a 2xx file or a 4xx "allow all")."""

    status_code: int
    body: str
    etag: str | None
    last_modified: str | None
    fetched_at: datetime
    """When it was last fetched or confirmed by a 304 (timezone-aware)."""


class RobotsCache(Protocol):
    """Origin (``scheme://host:port``) -> its :class:`CachedRobots`.

    Called from the client's event loop, once or twice per origin and run: keep it fast
    (an implementation may load everything up front and save at the end).
    """

    def get(self, origin: str) -> CachedRobots | None: ...

    def put(self, origin: str, robots: CachedRobots) -> None: ...


class InMemoryRobotsCache:
    """A dict-backed :class:`RobotsCache`; ``updated`` lists the origins written since creation."""

    def __init__(self, entries: dict[str, CachedRobots] | None = None) -> None:
        self.entries: dict[str, CachedRobots] = dict(entries or {})
        self.updated: set[str] = set()

    def get(self, origin: str) -> CachedRobots | None:
        return self.entries.get(origin)

    def put(self, origin: str, robots: CachedRobots) -> None:
        self.entries[origin] = robots
        self.updated.add(origin)
