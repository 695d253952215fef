"""By default the client parses with track_sync_assets.liverc.parsing (imported lazily)."""

from __future__ import annotations

import httpx
import pytest

from track_sync_assets.domain import FetchOutcome
from track_sync_assets.liverc.client import LiveRCClient, TrackListInvalid
from track_sync_tests.conftest import real_page

from .helpers import LIST_URL, MockSite, fast_settings, run


def real_client(site: MockSite) -> LiveRCClient:
    return LiveRCClient(fast_settings(), transport=httpx.MockTransport(site))


def test_a_captured_dashboard_is_parsed_by_the_real_parser() -> None:
    site = MockSite()
    page = real_page("dashboards/thunderalley_2026-01.html")
    site.route("https://thunderalley.liverc.com/", httpx.Response(200, text=page))

    async def go():
        async with real_client(site) as client:
            return await client.fetch_dashboard("thunderalley")

    result = run(go())
    assert result.outcome is FetchOutcome.OK, result.reason
    assert result.dashboard is not None and result.dashboard.name


def test_a_page_that_is_not_a_dashboard_fails_with_the_parsers_message() -> None:
    site = MockSite()
    site.route("https://alpha.liverc.com/", httpx.Response(200, text="<html>Maintenance</html>"))

    async def go():
        async with real_client(site) as client:
            return await client.fetch_dashboard("alpha")

    result = run(go())
    assert result.outcome is FetchOutcome.FAILED
    assert result.reason is not None and result.reason.startswith("malformed page: ")
    assert "\n" not in result.reason


def test_the_captured_track_list_is_parsed_and_a_broken_one_is_invalid() -> None:
    site = MockSite()
    site.route(LIST_URL, httpx.Response(200, text=real_page("track-list_2025-12-16.html")))

    async def go():
        async with real_client(site) as client:
            return await client.fetch_track_list()

    assert len(run(go()).listings) == 1090

    site.route(LIST_URL, httpx.Response(200, text="<html><body>Maintenance</body></html>"))
    with pytest.raises(TrackListInvalid):
        run(go())
