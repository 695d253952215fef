"""Rate control judged at the server: one track's trouble is not LiveRC's (issue 10 §4)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from typing import Any

import pytest

from track_sync_assets.domain import DashboardFetch, FetchOutcome
from track_sync_assets.liverc.client import ClientSettings, LiveRCClient
from track_sync_assets.simulator import FaultSpec, Simulator, SimulatorConfig, serve_in_thread

from .helpers import run
from .simlog import assert_caps, count_between, host_settings, path_settings, settled_log

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


def one_pass(
    sim: Simulator, settings: ClientSettings, **kwargs: Any
) -> tuple[list[DashboardFetch], dict[str, Any], float]:
    """The list, then every listed dashboard: results, stats and the dashboards' wall time."""

    async def go() -> tuple[list[DashboardFetch], dict[str, Any], float]:
        async with LiveRCClient(settings, **kwargs) as client:
            listing = await client.fetch_track_list()
            started = time.monotonic()
            results = await client.fetch_dashboards([(t.slug, None) for t in listing.listings])
            return results, client.stats.snapshot(), time.monotonic() - started

    return run(go())


def test_five_percent_of_tracks_answering_503_twice_cost_at_most_a_fifth_more_time() -> None:
    settings_kwargs = {"max_rps": 30.0, "max_concurrency": 6, "max_attempts": 4}
    settings_kwargs |= {"backoff_base_s": 0.25, "backoff_cap_s": 1.0}
    with serve_in_thread(SimulatorConfig(tracks=240, seed=5)) as sim:
        settings = path_settings(sim, **settings_kwargs)
        clean, clean_stats, clean_s = one_pass(sim, settings)
        flaky = [t.slug for t in clean][::20]  # 12 tracks: 5 %
        sim.set_faults(FaultSpec.parse("flaky=" + "+".join(f"{s}:2:503" for s in flaky)))
        sim.clear_log()
        faulty, stats, faulty_s = one_pass(sim, settings)
        log = settled_log(sim, stats["requests"])

    assert {r.outcome for r in clean} == {r.outcome for r in faulty} == {FetchOutcome.OK}
    assert Counter(r.status for r in log if r.slug) == {200: 240, 503: 24}
    assert stats["rate_decreases"] == 0 and stats["final_rate_rps"] == 30.0
    assert clean_stats["rate_decreases"] == 0
    # 264 page requests at 30 rps (the bound is 8.8 s) against 240 (8.0 s).
    assert faulty_s <= 1.2 * clean_s, (faulty_s, clean_s)
    assert_caps(log, settings)


def test_every_host_answering_503_cuts_the_rate_within_2_s_and_it_recovers_after() -> None:
    with serve_in_thread(SimulatorConfig(tracks=240, seed=6)) as sim:
        settings = host_settings(
            sim, max_rps=30.0, max_concurrency=6, min_rps=2.0, rate_recovery_s=2.0
        )
        outage: dict[str, float] = {}

        def start_outage() -> None:
            outage["start"] = time.monotonic()
            sim.set_outage(503, 3.0)
            outage["end"] = outage["start"] + 3.0

        timer = threading.Timer(2.0, start_outage)  # the list and ~30 tracks first
        timer.start()
        try:
            results, stats, _ = one_pass(sim, settings)
        finally:
            timer.cancel()
        log = settled_log(sim, stats["requests"])

    arrivals = sorted(r.time for r in log)
    start, end = outage["start"], outage["end"]
    causes = stats["politeness"]["congestion"]["decreases_by_cause"]
    assert set(causes) == {"overload"} and causes["overload"] >= 2
    # At the cap before; at most half of it in the second after the first 2 s of the outage.
    assert count_between(arrivals, start - 1.0, start) >= 0.7 * 30
    assert count_between(arrivals, start + 2.0, start + 3.0) <= 0.5 * 30
    # Back at (nearly) the cap within a few seconds of the end, while tracks remain.
    assert arrivals[-1] > end + 4.0
    assert count_between(arrivals, end + 2.5, end + 3.5) >= 0.7 * 30
    assert {r.outcome for r in results} >= {FetchOutcome.OK}
    assert_caps(log, settings)


def test_a_429_with_retry_after_from_one_track_cuts_the_global_rate() -> None:
    with serve_in_thread(SimulatorConfig(tracks=150, seed=8)) as sim:
        culprit = [t.slug for t in sim.catalogue][50]
        sim.set_faults(FaultSpec.parse(f"flaky={culprit}:1:429,retry_after=1"))
        settings = path_settings(sim, max_rps=20.0, retry_after_cap_s=5.0)
        results, stats, _ = one_pass(sim, settings)
        log = settled_log(sim, stats["requests"])

    throttled = next(r for r in log if r.status == 429)
    arrivals = sorted(r.time for r in log)
    assert stats["politeness"]["congestion"]["decreases_by_cause"] == {"429": 1}
    assert count_between(arrivals, throttled.time - 1.0, throttled.time) >= 0.7 * 20
    assert count_between(arrivals, throttled.end_time, throttled.end_time + 1.0) <= 0.6 * 20
    retry = [r for r in log if r.slug == culprit][1]
    assert retry.status == 200 and retry.time - throttled.end_time >= 0.99
    assert {r.outcome for r in results} == {FetchOutcome.OK}
    assert_caps(log, settings)


def test_caps_hold_at_the_server_with_every_track_its_own_origin_and_faults() -> None:
    config = SimulatorConfig(
        tracks=60, seed=3, latency_median_ms=40.0, latency_p95_ms=150.0,
        faults=FaultSpec.parse("5xx=0.08,reset=0.04"),
    )  # fmt: skip
    with serve_in_thread(config) as sim:
        settings = host_settings(sim, max_concurrency=3, max_rps=40.0, max_attempts=4)
        results, stats, _ = one_pass(sim, settings)
        log = settled_log(sim, stats["requests"])
        peak = sim.max_concurrency_seen

    assert peak <= 3
    assert_caps(log, settings)
    robots_hosts = Counter(r.host for r in log if r.path == "/robots.txt")
    page_hosts = {r.host for r in log if r.slug}
    assert set(robots_hosts.values()) == {1}  # once per origin per run
    assert page_hosts <= set(robots_hosts) and len(page_hosts) == len(results) == 60
    assert all(h.endswith(".liverc.test") for h in robots_hosts)
    assert {r.outcome for r in results} <= {FetchOutcome.OK, FetchOutcome.FAILED}


def test_the_client_never_leaves_requests_behind_when_the_run_is_cancelled() -> None:
    with serve_in_thread(SimulatorConfig(tracks=40, seed=9, latency_median_ms=200.0)) as sim:
        settings = path_settings(sim, max_rps=100.0)

        async def go() -> None:
            async with LiveRCClient(settings) as client:
                task = asyncio.create_task(
                    client.fetch_dashboards([(t.slug, None) for t in sim.catalogue])
                )
                await asyncio.sleep(0.5)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task

        run(go())
        time.sleep(0.3)
        count = len(sim.request_log)
        time.sleep(0.5)
        assert len(sim.request_log) == count
