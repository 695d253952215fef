"""A scripted stand-in for LiveRC behind ``httpx.MockTransport``, and fast settings."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from track_sync_assets.domain import Activity, TrackDashboard, TrackListing
from track_sync_assets.liverc.client import ClientSettings, LiveRCClient

T = TypeVar("T")

LIST_URL = "https://live.liverc.com/"
TEMPLATE = "https://{slug}.liverc.com/"

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def fast_settings(**overrides: Any) -> ClientSettings:
    """Settings for tests: tiny backoff and timeouts, a generous rate."""
    values: dict[str, Any] = {
        "list_url": LIST_URL,
        "track_url_template": TEMPLATE,
        "contact": "tests@example.org",
        "project_url": "https://example.org/track-sync",
        "max_concurrency": 4,
        "max_rps": 1000.0,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "request_timeout_s": 2.0,
        "max_attempts": 3,
        "backoff_base_s": 0.001,
        "backoff_cap_s": 0.01,
        "retry_after_cap_s": 1.0,
    }
    values.update(overrides)
    return ClientSettings(**values)


class FakeParseError(ValueError):
    pass


def fake_parse_dashboard(html: str) -> TrackDashboard:
    """Reads ``name=<name>`` from the body; ``BROKEN`` raises like a real parser would."""
    if "BROKEN" in html:
        raise FakeParseError("dashboard structure changed: no About panel\nsecond line")
    name = html.partition("name=")[2].split()[0] if "name=" in html else "unnamed"
    return TrackDashboard(
        **{f: None for f in TrackDashboard.__dataclass_fields__ if f != "discrepancies"}
        | {"name": name}
    )


def fake_parse_track_list(html: str) -> tuple[TrackListing, ...]:
    if "BROKEN" in html:
        raise FakeParseError("track list structure changed: no table.track_list")
    return tuple(
        TrackListing(
            slug=slug,
            name=slug.title(),
            track_url=f"https://{slug}.liverc.com/",
            activity=Activity.OFFLINE,
            has_live_video=False,
            is_featured=False,
            last_updated_text=None,
            latest_event_name=None,
        )
        for slug in html.split()
    )


@dataclass
class Seen:
    """One request the stand-in received."""

    time: float
    url: str
    headers: httpx.Headers


@dataclass
class MockSite:
    """Routes ``host+path`` to handlers; unknown dashboards answer 200, robots.txt 404."""

    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def route(self, url: str, *responses: Handler | httpx.Response) -> None:
        """Answer ``url`` with ``responses`` in turn (the last one repeats)."""
        queue = list(responses)

        def handler(request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
            item = queue.pop(0) if len(queue) > 1 else queue[0]
            return item(request) if callable(item) else item

        self.routes[url] = handler

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(Seen(time.monotonic(), str(request.url), request.headers))
        handler = self.routes.get(str(request.url))
        if handler is None:
            if request.url.path == "/robots.txt":
                return httpx.Response(404)
            return httpx.Response(200, text=f"name={request.url.host.split('.')[0]}")
        result = handler(request)
        if isinstance(result, Awaitable):
            result = await result
        return result

    def urls(self, path: str | None = None) -> list[str]:
        return [s.url for s in self.seen if path is None or httpx.URL(s.url).path == path]

    def client(self, settings: ClientSettings | None = None, **kwargs: Any) -> LiveRCClient:
        kwargs.setdefault("parse_dashboard", fake_parse_dashboard)
        kwargs.setdefault("parse_track_list", fake_parse_track_list)
        return LiveRCClient(
            settings or fast_settings(), transport=httpx.MockTransport(self), **kwargs
        )
