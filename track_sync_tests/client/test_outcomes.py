"""Every dashboard fetch ends in exactly one outcome; the track list is never an empty success."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json

import httpx
import pytest

from track_sync_assets.domain import DashboardFetch, FetchOutcome, Validators
from track_sync_assets.liverc.client import (
    ScrapingDisabled,
    TrackListInvalid,
    TrackListUnavailable,
    package_version,
)

from .helpers import LIST_URL, MockSite, fast_settings, run

URL = "https://alpha.liverc.com/"


def fetch_one(site: MockSite, slug: str = "alpha", previous: Validators | None = None, **kw):
    async def go() -> DashboardFetch:
        async with site.client(**kw) as client:
            return await client.fetch_dashboard(slug, previous)

    return run(go())


def test_a_fetched_and_parsed_page_is_ok_with_new_validators() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(200, text="name=Alpha", headers={"ETag": '"v1"'}))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.OK
    assert result.dashboard is not None and result.dashboard.name == "Alpha"
    assert result.status_code == 200
    assert result.validators.etag == '"v1"'
    assert result.validators.content_hash is not None and len(result.validators.content_hash) == 64
    assert result.reason is None and result.attempts == 1


def test_validators_are_sent_and_a_304_is_not_modified_keeping_the_previous_ones() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(304))
    previous = Validators(
        etag='"v1"', last_modified="Tue, 16 Dec 2025 10:00:00 GMT", content_hash="h"
    )
    result = fetch_one(site, previous=previous)
    assert result.outcome is FetchOutcome.NOT_MODIFIED
    assert result.validators == previous
    assert result.dashboard is None
    page_request = site.seen[-1]
    assert page_request.headers["if-none-match"] == '"v1"'
    assert page_request.headers["if-modified-since"] == "Tue, 16 Dec 2025 10:00:00 GMT"


def test_a_body_with_the_stored_content_hash_is_not_modified_and_not_parsed() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(200, text="BROKEN but unchanged"))
    first = fetch_one(site)
    assert first.outcome is FetchOutcome.FAILED  # it was parsed the first time
    stored = Validators(content_hash=hashlib.sha256(b"BROKEN but unchanged").hexdigest())
    second = fetch_one(site, previous=stored)
    assert second.outcome is FetchOutcome.NOT_MODIFIED
    assert second.validators.content_hash == stored.content_hash


@pytest.mark.parametrize("status", [404, 410])
def test_404_and_410_are_gone_and_not_retried(status: int) -> None:
    site = MockSite()
    site.route(URL, httpx.Response(status))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.GONE
    assert result.status_code == status
    assert site.urls("/") == [URL]


@pytest.mark.parametrize("status", [400, 401, 403, 451])
def test_other_4xx_fail_at_once_without_retry(status: int) -> None:
    site = MockSite()
    site.route(URL, httpx.Response(status))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == f"HTTP {status}"
    assert site.urls("/") == [URL]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_then_succeed(status: int) -> None:
    site = MockSite()
    site.route(URL, httpx.Response(status), httpx.Response(200, text="name=Alpha"))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.OK
    assert result.attempts == 2
    assert site.urls("/") == [URL, URL]


def test_a_permanent_500_fails_after_the_configured_attempts_with_its_status() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(500))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == "HTTP 500 after 3 attempts"
    assert result.status_code == 500
    assert result.attempts == 3
    assert len(site.urls("/")) == 3


@pytest.mark.parametrize(
    ("error", "reason_start"),
    [
        (httpx.ConnectError("refused"), "connection error (ConnectError"),
        (httpx.ReadTimeout("slow"), "timeout (ReadTimeout)"),
        (
            httpx.RemoteProtocolError("incomplete chunked read"),
            "connection error (RemoteProtocolError",
        ),
        (httpx.ReadError("reset"), "connection error (ReadError"),
    ],
)
def test_transport_errors_are_retried_and_reported(error: Exception, reason_start: str) -> None:
    site = MockSite()

    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    site.route(URL, fail)
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason is not None and result.reason.startswith(reason_start)
    assert result.reason.endswith("after 3 attempts")
    assert len(site.urls("/")) == 3


def test_a_transient_transport_error_is_retried_to_success() -> None:
    site = MockSite()

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")

    site.route(URL, fail, httpx.Response(200, text="name=Alpha"))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.OK and result.attempts == 2


def test_the_total_request_cap_times_out_a_slow_server() -> None:
    site = MockSite()

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, text="name=late")

    site.route(URL, slow)
    result = fetch_one(site, settings=fast_settings(request_timeout_s=0.05, max_attempts=2))
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == "timeout (TimeoutError) after 2 attempts"


def test_a_malformed_page_fails_with_the_parsers_one_line_error_and_keeps_old_validators() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(200, text="BROKEN", headers={"ETag": '"new"'}))
    previous = Validators(etag='"old"', content_hash="old-hash")
    result = fetch_one(site, previous=previous)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == "malformed page: dashboard structure changed: no About panel"
    assert result.validators == previous  # a broken page must be parsed again next run


def test_a_parser_bug_is_reported_as_failed_not_raised() -> None:
    site = MockSite()

    def crash(html: str):
        raise KeyError("oops")

    result = fetch_one(site, parse_dashboard=crash)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == "malformed page: 'oops'"


def test_an_invalid_slug_fails_without_any_request() -> None:
    site = MockSite()
    result = fetch_one(site, slug="evil.com/x")
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason is not None and "invalid slug" in result.reason
    assert site.seen == []


def test_robots_disallow_is_obeyed_without_fetching_the_page() -> None:
    site = MockSite()
    site.route(
        "https://alpha.liverc.com/robots.txt",
        httpx.Response(200, text="User-agent: *\nDisallow: /\n"),
    )
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.DISALLOWED
    assert result.reason == "disallowed by robots.txt: https://alpha.liverc.com/"
    assert site.urls("/") == []


def test_robots_rules_for_another_bot_do_not_apply() -> None:
    site = MockSite()
    site.route(
        "https://alpha.liverc.com/robots.txt",
        httpx.Response(200, text="User-agent: otherbot\nDisallow: /\n"),
    )
    assert fetch_one(site).outcome is FetchOutcome.OK


def test_robots_rules_addressed_to_track_sync_apply() -> None:
    site = MockSite()
    site.route(
        "https://alpha.liverc.com/robots.txt",
        httpx.Response(
            200, text="User-agent: *\nAllow: /\n\nUser-agent: track-sync\nDisallow: /\n"
        ),
    )
    assert fetch_one(site).outcome is FetchOutcome.DISALLOWED


@pytest.mark.parametrize("status", [500, 503, 429])
def test_robots_txt_server_errors_mean_not_now(status: int) -> None:
    site = MockSite()
    site.route("https://alpha.liverc.com/robots.txt", httpx.Response(status))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.DISALLOWED
    assert result.reason is not None and result.reason.startswith("robots.txt unavailable")
    assert site.urls("/") == []


def test_robots_txt_connection_failure_means_not_now() -> None:
    site = MockSite()

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    site.route("https://alpha.liverc.com/robots.txt", fail)
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.DISALLOWED
    assert result.reason is not None and "robots.txt unavailable" in result.reason
    assert site.urls("/") == []


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_robots_txt_4xx_allows_everything(status: int) -> None:
    site = MockSite()
    site.route("https://alpha.liverc.com/robots.txt", httpx.Response(status))
    assert fetch_one(site).outcome is FetchOutcome.OK


def test_robots_txt_is_fetched_once_per_host_even_for_concurrent_first_requests() -> None:
    site = MockSite()

    async def slow_robots(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, text="User-agent: *\nDisallow: /private/\n")

    site.route("http://127.0.0.1:9/robots.txt", slow_robots)
    settings = fast_settings(track_url_template="http://127.0.0.1:9/tracks/{slug}/")

    async def go() -> list[DashboardFetch]:
        async with site.client(settings) as client:
            return await client.fetch_dashboards([(f"t{n}", None) for n in range(20)])

    results = run(go())
    assert [r.outcome for r in results] == [FetchOutcome.OK] * 20
    assert site.urls("/robots.txt") == ["http://127.0.0.1:9/robots.txt"]


def test_crawl_delay_spaces_the_requests_to_that_host() -> None:
    site = MockSite()
    site.route(
        "http://127.0.0.1:9/robots.txt",
        httpx.Response(200, text="User-agent: *\nCrawl-delay: 0.05\n"),
    )
    settings = fast_settings(track_url_template="http://127.0.0.1:9/tracks/{slug}/")

    async def go() -> None:
        async with site.client(settings) as client:
            await client.fetch_dashboards([(f"t{n}", None) for n in range(6)])

    run(go())
    times = [s.time for s in site.seen if "/tracks/" in s.url]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 6
    assert min(gaps) >= 0.045


def test_redirects_on_the_allowlist_are_followed_by_hand() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(301, headers={"Location": "https://beta.liverc.com/"}))
    site.route("https://beta.liverc.com/", httpx.Response(302, headers={"Location": "/home"}))
    site.route("https://beta.liverc.com/home", httpx.Response(200, text="name=Beta"))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.OK
    assert result.dashboard is not None and result.dashboard.name == "Beta"
    assert "https://beta.liverc.com/robots.txt" in site.urls()  # robots of the new host too


def test_a_redirect_off_the_allowlist_is_refused_and_never_requested() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(302, headers={"Location": "https://evil.example.com/x"}))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == "redirect to https://evil.example.com/x refused: not on the allowlist"
    assert not any("evil" in url for url in site.urls())


def test_a_redirect_to_plain_http_liverc_is_refused() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(302, headers={"Location": "http://alpha.liverc.com/"}))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason is not None and "refused" in result.reason


def test_more_than_five_redirects_fail() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(302, headers={"Location": URL}))
    result = fetch_one(site)
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason == "too many redirects (more than 5)"
    assert site.urls("/") == [URL] * 6


def test_every_request_carries_the_track_sync_user_agent() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(503), httpx.Response(200, text="name=Alpha"))
    fetch_one(site)
    assert len(site.seen) == 3  # robots.txt + two attempts
    expected = (
        f"track-sync/{package_version()} (+https://example.org/track-sync; tests@example.org)"
    )
    assert [seen.headers["user-agent"] for seen in site.seen] == [expected] * 3


def test_fetch_dashboards_returns_one_outcome_per_item_in_input_order() -> None:
    site = MockSite()
    site.route("https://gone.liverc.com/", httpx.Response(404))
    site.route("https://broken.liverc.com/", httpx.Response(200, text="BROKEN"))
    site.route("https://down.liverc.com/", httpx.Response(503))
    slugs = ["alpha", "gone", "broken", "down", "bad-slug!", "beta"]
    seen: list[str] = []

    async def go() -> list[DashboardFetch]:
        async with site.client() as client:
            return await client.fetch_dashboards(
                [(s, None) for s in slugs], on_result=lambda r: seen.append(r.slug)
            )

    results = run(go())
    assert [r.slug for r in results] == slugs
    assert [r.outcome for r in results] == [
        FetchOutcome.OK,
        FetchOutcome.GONE,
        FetchOutcome.FAILED,
        FetchOutcome.FAILED,
        FetchOutcome.FAILED,
        FetchOutcome.OK,
    ]
    assert sorted(seen) == sorted(slugs)


def test_an_exception_from_on_result_stops_the_batch_and_propagates() -> None:
    site = MockSite()

    def explode(result: DashboardFetch) -> None:
        raise RuntimeError("database is down")

    async def go() -> None:
        async with site.client() as client:
            await client.fetch_dashboards([(f"t{n}", None) for n in range(50)], on_result=explode)

    with pytest.raises(RuntimeError, match="database is down"):
        run(go())
    assert len(site.urls("/")) < 50


def test_when_the_stop_check_says_stop_nothing_is_fetched_and_callers_get_its_reason() -> None:
    site = MockSite()

    async def go() -> None:
        async with site.client(stop_requested=lambda: "maintenance window") as client:
            with pytest.raises(ScrapingDisabled, match="scraping stopped: maintenance window"):
                await client.fetch_track_list()
            with pytest.raises(ScrapingDisabled):
                await client.fetch_dashboards([("alpha", None), ("beta", None)])
            with pytest.raises(ScrapingDisabled):
                await client.fetch_dashboard("alpha")

    run(go())
    assert site.seen == []


def test_the_stop_check_is_asked_before_every_request_and_stops_a_running_batch() -> None:
    site = MockSite()
    budget = {"left": 5}

    def stop_requested() -> str | None:
        budget["left"] -= 1
        return None if budget["left"] >= 0 else "operator said stop"

    async def go() -> None:
        async with site.client(stop_requested=stop_requested) as client:
            await client.fetch_dashboards([(f"t{n}", None) for n in range(100)])

    with pytest.raises(ScrapingDisabled, match="operator said stop") as raised:
        run(go())
    assert raised.value.reason == "operator said stop"
    assert len(site.seen) < 5


def test_the_track_list_is_fetched_and_parsed() -> None:
    site = MockSite()
    site.route(LIST_URL, httpx.Response(200, text="alpha beta gamma"))

    async def go():
        async with site.client() as client:
            return await client.fetch_track_list()

    fetched = run(go())
    assert [t.slug for t in fetched.listings] == ["alpha", "beta", "gamma"]
    assert fetched.status_code == 200 and fetched.size_bytes == len("alpha beta gamma")
    assert len(fetched.content_hash) == 64 and fetched.url == LIST_URL


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (httpx.Response(503), TrackListUnavailable, "HTTP 503 after 3 attempts"),
        (httpx.Response(404), TrackListUnavailable, "HTTP 404"),
        (httpx.Response(200, text="BROKEN"), TrackListInvalid, "no table.track_list"),
        (httpx.Response(200, text=""), TrackListInvalid, "lists no tracks"),
    ],
)
def test_the_track_list_is_never_an_empty_success(
    response: httpx.Response, error: type[Exception], message: str
) -> None:
    site = MockSite()
    site.route(LIST_URL, response)

    async def go():
        async with site.client() as client:
            return await client.fetch_track_list()

    with pytest.raises(error, match=message):
        run(go())


def test_stats_count_requests_outcomes_statuses_and_retries_as_json() -> None:
    site = MockSite()
    site.route(URL, httpx.Response(503), httpx.Response(200, text="name=Alpha"))
    site.route("https://gone.liverc.com/", httpx.Response(404))

    async def go():
        async with site.client() as client:
            await client.fetch_dashboards([("alpha", None), ("gone", None)])
            return client.stats.snapshot()

    snapshot = run(go())
    json.dumps(snapshot)
    assert snapshot["requests"] == 5  # 2 robots + 2 attempts + 1
    assert snapshot["robots_fetches"] == 2
    assert snapshot["retries"] == 1
    assert snapshot["outcomes"] == {"gone": 1, "ok": 1}
    assert snapshot["responses_by_status"] == {"200": 1, "404": 3, "503": 1}
    assert snapshot["latency_ms"]["p50"] is not None
    assert snapshot["bytes_received"] == len("name=Alpha")


def test_using_the_client_outside_async_with_is_a_clear_error() -> None:
    site = MockSite()
    with pytest.raises(RuntimeError, match="async with"):
        run(site.client().fetch_dashboard("alpha"))


@pytest.mark.parametrize("charset", ["idna", "punycode", "no-such-charset", "utf-8-sig", ""])
def test_a_page_declaring_an_odd_charset_is_decoded_as_utf8_not_raised(charset: str) -> None:
    from track_sync_assets.liverc.client.transport import Response

    body = "<html><body>Café Raceway</body></html>".encode()
    response = Response(
        url="https://x.liverc.com/",
        status_code=200,
        headers=httpx.Headers({"content-type": f"text/html; charset={charset}"}),
        body=body,
        wire_bytes=len(body),
    )
    assert "Café Raceway" in response.text()
