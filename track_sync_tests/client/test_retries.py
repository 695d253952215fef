"""Retry timing through the client: Retry-After honoured and capped, errors slow the rate."""

from __future__ import annotations

import itertools

import httpx

from track_sync_assets.domain import FetchOutcome

from .helpers import MockSite, fast_settings, run

URL = "https://alpha.liverc.com/"


def page_times(site: MockSite) -> list[float]:
    return [s.time for s in site.seen if s.url == URL]


def fetch(site: MockSite, **settings: object):
    async def go():
        async with site.client(fast_settings(**settings)) as client:
            result = await client.fetch_dashboard("alpha")
            return result, client.stats.snapshot()

    return run(go())


def test_retry_after_seconds_is_waited_before_the_retry() -> None:
    site = MockSite()
    site.route(
        URL,
        httpx.Response(503, headers={"Retry-After": "1"}),
        httpx.Response(200, text="name=Alpha"),
    )
    result, _ = fetch(site, retry_after_cap_s=0.3)  # the cap keeps the test fast
    first, second = page_times(site)
    assert result.outcome is FetchOutcome.OK
    assert 0.3 <= second - first < 0.6


def test_retry_after_as_a_date_far_away_is_capped() -> None:
    site = MockSite()
    site.route(
        URL,
        httpx.Response(429, headers={"Retry-After": "Fri, 31 Dec 2100 23:59:59 GMT"}),
        httpx.Response(200, text="name=Alpha"),
    )
    result, _ = fetch(site, retry_after_cap_s=0.2)
    first, second = page_times(site)
    assert result.outcome is FetchOutcome.OK
    assert 0.2 <= second - first < 0.5


def test_backoff_waits_grow_between_attempts() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(502))

    async def go():
        settings = fast_settings(max_attempts=4, backoff_base_s=0.04, backoff_cap_s=1.0)
        async with site.client(settings, rand=lambda: 1.0) as client:
            return await client.fetch_dashboard("alpha")

    result = run(go())
    times = page_times(site)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert result.reason == "HTTP 502 after 4 attempts"
    assert all(gap >= wait - 0.005 for gap, wait in zip(gaps, [0.04, 0.08, 0.16], strict=True))
    assert gaps[0] < gaps[1] < gaps[2]


def test_a_429_halves_the_global_rate_which_then_recovers_gradually() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(429), httpx.Response(200, text="name=Alpha"))
    _, stats = fetch(site, max_rps=100.0, min_rps=1.0)
    assert stats["rate_decreases"] == 1
    assert stats["politeness"]["congestion"]["decreases_by_cause"] == {"429": 1}
    # Halved to 50, then climbing at 100 rps per 30 s while answers are good: far from 100.
    assert 50.0 <= stats["final_rate_rps"] < 60.0


def test_a_lone_503_is_that_tracks_problem_retried_without_lowering_the_rate() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(503), httpx.Response(200, text="name=Alpha"))
    result, stats = fetch(site, max_rps=100.0)
    assert result.attempts == 2
    assert stats["rate_decreases"] == 0 and stats["final_rate_rps"] == 100.0


def test_500_retries_do_not_lower_the_rate() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(500), httpx.Response(200, text="name=Alpha"))
    _, stats = fetch(site, max_rps=100.0)
    assert stats["rate_decreases"] == 0
    assert stats["retries"] == 1
