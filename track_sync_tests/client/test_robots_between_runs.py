"""robots.txt once per origin per run, and kept between runs within RFC 9309's 24 hours."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

from track_sync_assets.domain import DashboardFetch, FetchOutcome
from track_sync_assets.liverc.client import InMemoryRobotsCache, LiveRCClient
from track_sync_assets.simulator import FaultSpec, Simulator, SimulatorConfig, serve_in_thread

from .helpers import run
from .simlog import host_settings, settled_log


def sync(sim: Simulator, cache: InMemoryRobotsCache) -> tuple[list[DashboardFetch], dict[str, Any]]:
    async def go() -> tuple[list[DashboardFetch], dict[str, Any]]:
        async with LiveRCClient(host_settings(sim), robots_cache=cache) as client:
            listing = await client.fetch_track_list()
            results = await client.fetch_dashboards([(t.slug, None) for t in listing.listings])
            return results, client.stats.snapshot()

    return run(go())


def robots_requests(sim: Simulator, stats: dict[str, Any]) -> list[Any]:
    return [r for r in settled_log(sim, stats["requests"]) if r.path == "/robots.txt"]


def age(cache: InMemoryRobotsCache, hours: float) -> None:
    for origin, entry in cache.entries.items():
        cache.entries[origin] = replace(entry, fetched_at=entry.fetched_at - timedelta(hours=hours))


def test_one_robots_fetch_per_origin_then_none_within_24_hours_then_a_conditional_304() -> None:
    cache = InMemoryRobotsCache()
    with serve_in_thread(SimulatorConfig(tracks=25, seed=4)) as sim:
        first, stats = sync(sim, cache)
        fetched = robots_requests(sim, stats)
        assert Counter(r.host for r in fetched) == {h: 1 for h in {r.host for r in fetched}}
        assert len(fetched) == 26 == len(cache.entries)  # 25 tracks and the list's host
        assert all("if-none-match" not in r.headers for r in fetched)

        sim.clear_log()
        age(cache, 23)  # still fresh
        second, stats = sync(sim, cache)
        assert robots_requests(sim, stats) == []
        assert stats["politeness"]["robots"] == {"fresh_from_cache": 26}

        sim.clear_log()
        age(cache, 2)  # 25 hours old: ask again, conditionally
        stale = {origin: entry.fetched_at for origin, entry in cache.entries.items()}
        third, stats = sync(sim, cache)
        revalidated = robots_requests(sim, stats)
        assert len(revalidated) == 26 and {r.status for r in revalidated} == {304}
        assert all("if-none-match" in r.headers for r in revalidated)
        assert all(cache.entries[o].fetched_at > stale[o] for o in stale)

    for results in (first, second, third):
        assert {r.outcome for r in results} == {FetchOutcome.OK}


def test_a_robots_txt_that_fails_falls_back_to_the_stored_copy_and_never_refreshes_it() -> None:
    cache = InMemoryRobotsCache()
    with serve_in_thread(SimulatorConfig(tracks=10, seed=4)) as sim:
        sync(sim, cache)
        age(cache, 25)
        stale = dict(cache.entries)
        sim.set_faults(FaultSpec.parse("robots=503"))
        results, stats = sync(sim, cache)

    assert {r.outcome for r in results} == {FetchOutcome.OK}
    assert stats["politeness"]["robots"]["stale_used"] == 11
    assert cache.entries == stale  # still stale: asked again next run


def test_without_a_stored_copy_a_failing_robots_txt_means_not_now() -> None:
    with serve_in_thread(
        SimulatorConfig(tracks=5, seed=4, faults=FaultSpec.parse("robots=503"))
    ) as sim:
        cache = InMemoryRobotsCache()

        async def go() -> list[DashboardFetch]:
            async with LiveRCClient(host_settings(sim), robots_cache=cache) as client:
                return await client.fetch_dashboards([(t.slug, None) for t in sim.catalogue])

        results = run(go())
    assert {r.outcome for r in results} == {FetchOutcome.DISALLOWED}
    assert all((r.reason or "").startswith("robots.txt unavailable (HTTP 503") for r in results)
    assert cache.entries == {}
