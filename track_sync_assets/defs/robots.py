"""robots.txt kept between runs in the catalogue database (one origin per LiveRC track)."""

from __future__ import annotations

import dataclasses

from track_sync_assets.liverc.client.robots_cache import CachedRobots, InMemoryRobotsCache
from track_sync_assets.store import CatalogueStore


def load_robots_cache(store: CatalogueStore) -> InMemoryRobotsCache:
    """Every stored answer, loaded once before fetching (the client reads it per origin)."""
    return InMemoryRobotsCache(
        {origin: CachedRobots(**answer) for origin, answer in store.robots_answers().items()}
    )


def save_robots_cache(store: CatalogueStore, cache: InMemoryRobotsCache) -> int:
    """Store the answers fetched or confirmed during the run."""
    return store.save_robots_answers(
        {origin: dataclasses.asdict(cache.entries[origin]) for origin in cache.updated}
    )
