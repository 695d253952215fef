"""``stream_dashboards`` and ``fetch_track_list``: the blocking bridge for synchronous callers."""

from __future__ import annotations

import threading
import time

import pytest

from track_sync_assets.domain import FetchOutcome
from track_sync_assets.liverc.client import (
    InMemoryRobotsCache,
    ScrapingDisabled,
    fetch_track_list,
    stream_dashboards,
)
from track_sync_assets.simulator import SimulatorConfig, serve_in_thread

from .simlog import ARRIVAL_JITTER_S, path_settings, settled_log


def stream_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "dashboard-stream"]


def test_results_arrive_as_they_finish_and_stats_follow() -> None:
    with serve_in_thread(SimulatorConfig(tracks=30, seed=2)) as sim:
        settings = path_settings(sim)
        cache = InMemoryRobotsCache()  # shared: robots.txt is read once for both calls
        listing = fetch_track_list(settings, robots_cache=cache)
        work = [(t.slug, None) for t in listing.listings]
        stream = stream_dashboards(settings, work, robots_cache=cache)
        seen = [fetch.slug for fetch in stream]
        log = settled_log(sim, 1 + 1 + 30)

    assert sorted(seen) == sorted(t.slug for t in listing.listings)
    assert stream.stats["outcomes"] == {"ok": 30}
    assert stream.stats["requests_by_kind"] == {"dashboard": 30}
    assert len(log) == 32 and stream_threads() == []


def test_leaving_the_loop_early_stops_fetching_within_one_request_and_ends_the_thread() -> None:
    config = SimulatorConfig(tracks=200, seed=2, latency_median_ms=20.0)
    with serve_in_thread(config) as sim:
        settings = path_settings(sim, max_rps=50.0, max_concurrency=4)
        stream = stream_dashboards(settings, [(t.slug, None) for t in sim.catalogue])
        for count, _ in enumerate(stream, start=1):
            if count == 10:
                broke_at = time.monotonic()
                break
        closed_at = time.monotonic()
        assert stream_threads() == []
        time.sleep(0.3)  # answers to abandoned requests are logged after their latency
        arrivals = [r.time for r in sim.request_log]

    assert max(arrivals) < closed_at + ARRIVAL_JITTER_S  # nothing sent once closed
    after_break = sum(1 for t in arrivals if t >= broke_at)
    assert after_break <= settings.max_concurrency  # at most the requests already in flight
    assert len(arrivals) <= 1 + 10 + 2 * settings.max_concurrency


def test_a_stop_request_mid_run_ends_the_stream_with_its_reason_in_the_callers_thread() -> None:
    with serve_in_thread(SimulatorConfig(tracks=100, seed=2)) as sim:
        settings = path_settings(sim, max_rps=50.0, max_concurrency=2)
        stop = threading.Event()
        stream = stream_dashboards(
            settings,
            [(t.slug, None) for t in sim.catalogue],
            stop_requested=lambda: "operator switched scraping off" if stop.is_set() else None,
        )
        received = []
        with pytest.raises(ScrapingDisabled, match="operator switched scraping off"):
            for fetch in stream:
                received.append(fetch)
                if len(received) == 5:
                    stop.set()
                    stopped_at = len(sim.request_log)
        time.sleep(0.2)
        late = len(sim.request_log) - stopped_at

    assert late <= settings.max_concurrency  # only requests already in flight
    assert {f.outcome for f in received} == {FetchOutcome.OK}
    assert stream.stats["politeness"]["stop"]["stopped"] == "operator switched scraping off"
    assert stream_threads() == []
