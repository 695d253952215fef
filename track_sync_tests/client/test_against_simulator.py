"""The client against the LiveRC simulator, judged from the simulator's own request log."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from track_sync_assets.domain import DashboardFetch, FetchOutcome, Validators
from track_sync_assets.environment.client import kill_switch_stop_check
from track_sync_assets.liverc.client import (
    ClientSettings,
    LiveRCClient,
    ScrapingDisabled,
    TrackListInvalid,
    TrackListUnavailable,
    package_version,
)
from track_sync_assets.simulator import (
    FaultSpec,
    RequestRecord,
    Simulator,
    SimulatorConfig,
    serve_in_thread,
)

from .helpers import fast_settings, run

pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with serve_in_thread(SimulatorConfig(tracks=30, seed=7)) as simulator:
        yield simulator


def settings_for(sim: Simulator, **overrides: Any) -> ClientSettings:
    return fast_settings(
        list_url=sim.list_url, track_url_template=sim.track_url_template, **overrides
    )


def slugs(sim: Simulator, count: int | None = None) -> list[str]:
    return [track.slug for track in sim.catalogue][:count]


def fetch_all(
    sim: Simulator,
    settings: ClientSettings,
    items: list[tuple[str, Validators | None]],
    **client_kwargs: Any,
) -> tuple[list[DashboardFetch], dict[str, Any]]:

    async def go() -> tuple[list[DashboardFetch], dict[str, Any]]:
        async with LiveRCClient(settings, **client_kwargs) as client:
            results = await client.fetch_dashboards(items)
            return results, client.stats.snapshot()

    return run(go())


def settled_log(sim: Simulator, expected: int) -> list[RequestRecord]:
    """The log once the server has recorded ``expected`` requests (it records after writing)."""
    deadline = time.monotonic() + 3.0
    while len(sim.request_log) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return sim.request_log


def max_in_window(times: list[float], width: float) -> int:
    """The most of ``times`` (sorted) falling in any half-open window of ``width`` seconds."""
    return max(sum(1 for t in times[i:] if t < start + width) for i, start in enumerate(times))


def for_slug(log: list[RequestRecord], slug: str) -> list[RequestRecord]:
    return [r for r in log if r.path == f"/tracks/{slug}/"]


def test_rate_concurrency_and_identity_hold_on_the_server_side() -> None:
    config = SimulatorConfig(tracks=45, seed=3, latency_median_ms=60.0, latency_p95_ms=200.0)
    with serve_in_thread(config) as sim:
        settings = settings_for(sim, max_concurrency=3, max_rps=40.0)
        results, stats = fetch_all(sim, settings, [(s, None) for s in slugs(sim)])
        log = settled_log(sim, stats["requests"])
        peak = sim.max_concurrency_seen

    assert [r.outcome for r in results] == [FetchOutcome.OK] * len(results)
    assert len(log) == stats["requests"] == len(results) + 1  # + robots.txt
    # Concurrency: never more than 3 in flight, by the server's own count and intervals.
    assert peak <= 3
    overlaps = max(sum(1 for o in log if o.time <= r.time < o.end_time) for r in log)
    assert overlaps <= 3
    # Rate: at most 40 arrivals/s at the server. The client spaces starts by 25 ms; arrivals
    # jitter by a few ms (connection set-up, two event loops in one process), so windows
    # get one arrival of slack.
    arrivals = sorted(r.time for r in log)
    assert max_in_window(arrivals, 1.0) <= 40 + 1
    assert max_in_window(arrivals, 0.25) <= 10 + 1
    assert (arrivals[-1] - arrivals[0]) / (len(arrivals) - 1) >= 0.025 * 0.98
    # One connection pool for the run, sized to the concurrency: connections are reused.
    assert len({r.connection_id for r in log}) <= 3
    # Identity: every request carries the honest User-Agent, never a browser's.
    agents = {r.headers.get("user-agent") for r in log}
    assert agents == {
        f"track-sync/{package_version()} (+https://example.org/track-sync; tests@example.org)"
    }


@pytest.mark.parametrize("fault", ["500", "502", "503", "504", "reset", "truncate", "slow"])
def test_each_retryable_fault_is_retried_with_growing_waits(sim: Simulator, fault: str) -> None:
    slug = slugs(sim, 1)[0]
    sim.set_faults(FaultSpec.parse(f"flaky={slug}:3:{fault},slow_delay=1"))
    settings = settings_for(
        sim, max_attempts=4, backoff_base_s=0.05, backoff_cap_s=1.0, request_timeout_s=0.3
    )
    results, stats = fetch_all(sim, settings, [(slug, None)], rand=lambda: 1.0)

    assert results[0].outcome is FetchOutcome.OK, results[0].reason
    assert results[0].attempts == 4
    log = settled_log(sim, stats["requests"])  # slow answers are logged when finally written
    attempts = sorted(for_slug(log, slug), key=lambda r: r.time)
    assert [r.fault for r in attempts[:3]] == [fault] * 3
    starts = [r.time for r in attempts]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.10 and gaps[2] >= 0.20
    assert gaps[0] < gaps[1] < gaps[2]


@pytest.mark.parametrize("retry_after", ["1", "date:2"])
def test_a_429_is_retried_after_its_retry_after(sim: Simulator, retry_after: str) -> None:
    slug = slugs(sim, 1)[0]
    sim.set_faults(FaultSpec.parse(f"flaky={slug}:1:429,retry_after={retry_after}"))
    settings = settings_for(sim, retry_after_cap_s=5.0, backoff_base_s=0.001)
    results, stats = fetch_all(sim, settings, [(slug, None)])

    assert results[0].outcome is FetchOutcome.OK
    assert stats["rate_decreases"] == 1
    first, second = for_slug(settled_log(sim, stats["requests"]), slug)
    assert first.status == 429 and second.status == 200
    # An HTTP date has one-second resolution: "in 2 s" may mean just over 1 s.
    assert second.time - first.end_time >= 0.99


def test_not_found_is_gone_without_retry_and_other_faults_fail_with_reasons(
    sim: Simulator,
) -> None:
    gone, forbidden, broken, malformed, fine = slugs(sim, 5)
    sim.set_faults(
        FaultSpec.parse(f"gone={gone},broken={forbidden}:403+{broken}+{malformed}:malformed")
    )
    results, stats = fetch_all(
        sim, settings_for(sim), [(s, None) for s in (gone, forbidden, broken, malformed, fine)]
    )
    log = settled_log(sim, stats["requests"])
    by_slug = {r.slug: r for r in results}

    assert by_slug[gone].outcome is FetchOutcome.GONE and len(for_slug(log, gone)) == 1
    assert by_slug[forbidden].reason == "HTTP 403" and len(for_slug(log, forbidden)) == 1
    assert by_slug[broken].reason == "HTTP 500 after 3 attempts"
    assert len(for_slug(log, broken)) == 3
    assert by_slug[malformed].outcome is FetchOutcome.FAILED
    assert (by_slug[malformed].reason or "").startswith("malformed page: ")
    assert len(for_slug(log, malformed)) == 1
    assert by_slug[fine].outcome is FetchOutcome.OK


def test_the_second_day_sends_validators_and_unchanged_pages_answer_304(sim: Simulator) -> None:
    settings = settings_for(sim)
    day1, _ = fetch_all(sim, settings, [(s, None) for s in slugs(sim)])
    assert {r.outcome for r in day1} == {FetchOutcome.OK}
    stored = {r.slug: r.validators for r in day1}

    sim.set_day(2)
    sim.clear_log()
    day2, stats = fetch_all(sim, settings, [(s, stored[s]) for s in stored])
    log = [r for r in settled_log(sim, stats["requests"]) if r.slug]

    assert all("if-none-match" in r.headers and "if-modified-since" in r.headers for r in log)
    not_modified = [r for r in day2 if r.outcome is FetchOutcome.NOT_MODIFIED]
    assert len(not_modified) == sum(1 for r in log if r.status == 304) > 0
    assert {r.outcome for r in day2} <= {FetchOutcome.OK, FetchOutcome.NOT_MODIFIED}
    for result in not_modified:
        assert result.validators == stored[result.slug] and result.dashboard is None
    changed = [r for r in day2 if r.outcome is FetchOutcome.OK]
    for result in changed:
        assert result.validators.etag != stored[result.slug].etag


def test_the_kill_switch_stops_all_traffic(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACK_SYNC_SCRAPE_ENABLED", " Off ")

    async def go() -> None:
        stop = kill_switch_stop_check()  # the real environment-reading switch
        async with LiveRCClient(settings_for(sim), stop_requested=stop) as client:
            with pytest.raises(ScrapingDisabled, match="TRACK_SYNC_SCRAPE_ENABLED"):
                await client.fetch_track_list()
            with pytest.raises(ScrapingDisabled):
                await client.fetch_dashboards([(s, None) for s in slugs(sim)])

    run(go())
    time.sleep(0.05)
    assert sim.request_log == []


def test_turning_the_kill_switch_off_mid_run_stops_new_requests(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACK_SYNC_SCRAPE_ENABLED", "1")
    switched_at: list[float] = []

    def on_result(result: DashboardFetch) -> None:
        if not switched_at:
            switched_at.append(time.monotonic())
            monkeypatch.setenv("TRACK_SYNC_SCRAPE_ENABLED", "false")

    async def go() -> None:
        settings = settings_for(sim, max_rps=10.0, max_concurrency=2)
        async with LiveRCClient(settings, stop_requested=kill_switch_stop_check()) as client:
            await client.fetch_dashboards([(s, None) for s in slugs(sim)], on_result=on_result)

    with pytest.raises(ScrapingDisabled):
        run(go())
    time.sleep(0.05)
    # Requests sent before the switch may reach the server a little later (GIL hand-over).
    late = [r for r in sim.request_log if r.time > switched_at[0] + 0.03]
    assert late == []
    assert len(sim.request_log) < 10


def test_a_robots_disallow_is_obeyed(tmp_path: Any) -> None:
    config = SimulatorConfig(tracks=30, seed=7)
    with serve_in_thread(config) as probe:
        hidden = slugs(probe, 3)[2]
    with serve_in_thread(SimulatorConfig(tracks=30, seed=7, robots_disallow=(hidden,))) as sim:
        results, stats = fetch_all(sim, settings_for(sim), [(s, None) for s in slugs(sim, 6)])
        log = settled_log(sim, stats["requests"])

    by_slug = {r.slug: r for r in results}
    assert by_slug[hidden].outcome is FetchOutcome.DISALLOWED
    assert for_slug(log, hidden) == []
    assert sum(1 for r in log if r.path == "/robots.txt") == 1
    assert {r.outcome for s, r in by_slug.items() if s != hidden} == {FetchOutcome.OK}


def test_robots_txt_5xx_means_not_now_for_the_host(sim: Simulator) -> None:
    sim.set_faults(FaultSpec.parse("robots=503"))
    results, stats = fetch_all(sim, settings_for(sim), [(s, None) for s in slugs(sim, 8)])
    log = settled_log(sim, stats["requests"])

    assert {r.outcome for r in results} == {FetchOutcome.DISALLOWED}
    assert all((r.reason or "").startswith("robots.txt unavailable (HTTP 503") for r in results)
    assert [r.path for r in log] == ["/robots.txt"] * 3  # retried, then not now: no page
    assert not any(r.slug for r in log)


def test_a_robots_txt_that_recovers_on_retry_is_obeyed(sim: Simulator) -> None:
    sim.set_faults(FaultSpec.parse("robots=reset:1"))
    results, _ = fetch_all(sim, settings_for(sim), [(s, None) for s in slugs(sim, 4)])
    assert {r.outcome for r in results} == {FetchOutcome.OK}


def test_crawl_delay_spaces_requests_to_the_host() -> None:
    with serve_in_thread(SimulatorConfig(tracks=30, seed=7, crawl_delay=0.15)) as sim:
        results, stats = fetch_all(sim, settings_for(sim), [(s, None) for s in slugs(sim, 5)])
        log = settled_log(sim, stats["requests"])
    starts = [r.time for r in log if r.slug]
    assert {r.outcome for r in results} == {FetchOutcome.OK}
    # The simulator stamps a request when its thread reads it: allow it 20 ms of lateness
    # (without the delay, requests to one host at 1,000 requests/s are ~1 ms apart).
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.15 - 0.02


@pytest.mark.parametrize(
    ("steps", "error", "requests"),
    [
        ("503", TrackListUnavailable, 3),
        ("reset", TrackListUnavailable, 3),
        ("maintenance", TrackListInvalid, 1),
        ("cut", TrackListInvalid, 1),
    ],
)
def test_a_broken_track_list_is_an_error_never_an_empty_success(
    sim: Simulator, steps: str, error: type[Exception], requests: int
) -> None:
    sim.set_faults(FaultSpec.parse(f"list={steps}"))

    async def go() -> None:
        async with LiveRCClient(settings_for(sim)) as client:
            await client.fetch_track_list()

    with pytest.raises(error):
        run(go())
    time.sleep(0.05)
    assert sum(1 for r in sim.request_log if r.path == "/") == requests


def test_the_track_list_is_fetched_after_a_transient_failure(sim: Simulator) -> None:
    sim.set_faults(FaultSpec.parse("list=502:1"))

    async def go():
        async with LiveRCClient(settings_for(sim)) as client:
            return await client.fetch_track_list()

    fetched = run(go())
    assert [t.slug for t in fetched.listings] == slugs(sim)
    assert fetched.status_code == 200


def test_concurrent_batches_share_one_robots_fetch(sim: Simulator) -> None:
    async def go() -> None:
        async with LiveRCClient(settings_for(sim)) as client:
            await asyncio.gather(
                client.fetch_dashboards([(s, None) for s in slugs(sim, 5)]),
                client.fetch_dashboard(slugs(sim)[6]),
            )

    run(go())
    time.sleep(0.05)
    assert sum(1 for r in sim.request_log if r.path == "/robots.txt") == 1


def test_a_host_that_refuses_connections_is_not_now_for_its_pages() -> None:
    with serve_in_thread(SimulatorConfig(tracks=5, seed=7)) as sim:
        settings = settings_for(sim)
        names = slugs(sim, 2)
    # The simulator has stopped: its port now refuses connections.
    results, stats = fetch_all(sim, settings, [(s, None) for s in names])
    assert {r.outcome for r in results} == {FetchOutcome.DISALLOWED}
    reason = "robots.txt unavailable (connection error (ConnectError"
    assert all((r.reason or "").startswith(reason) for r in results)
    assert stats["requests_by_kind"] == {"robots": 3}
