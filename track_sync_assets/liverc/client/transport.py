"""The polite transport: every request LiveRC sees goes through :meth:`PoliteTransport.get`.

In order, each request passes: the stop check (before every request, retries and
robots.txt included), the allowlist, robots.txt, the global budget (concurrency cap and
paced rate, cut by the congestion control), the timeouts and the body cap; transient
failures are retried with backoff for that URL only, and redirects are followed by hand
(each target checked again). Each concern is a small component with its own statistics.
Nothing here knows what a track list or a dashboard is.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self
from urllib.parse import urljoin

import httpx

from track_sync_assets.errors import error_line
from track_sync_assets.liverc.client.budget import PolitenessBudget
from track_sync_assets.liverc.client.congestion import CongestionControl, Signal
from track_sync_assets.liverc.client.errors import ScrapingDisabled
from track_sync_assets.liverc.client.network import ResolvingTransport
from track_sync_assets.liverc.client.retry import RETRYABLE_ERRORS, RetryPolicy, is_retryable_status
from track_sync_assets.liverc.client.robots import RobotsAnswer, RobotsPolicy, RobotsRules
from track_sync_assets.liverc.client.robots_cache import RobotsCache
from track_sync_assets.liverc.client.settings import ClientSettings
from track_sync_assets.liverc.client.stats import ClientStats
from track_sync_assets.liverc.client.urls import Allowlist, Origin

logger = logging.getLogger(__name__)

StopRequested = Callable[[], str | None]
"""Returns why scraping must stop now (e.g. "TRACK_SYNC_SCRAPE_ENABLED is off"), else None."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(slots=True)
class Response:
    """A complete HTTP answer (body read, within the cap)."""

    url: str
    status_code: int
    headers: httpx.Headers
    body: bytes
    wire_bytes: int
    """Bytes received on the wire (compressed)."""

    def text(self) -> str:
        """The body decoded with the charset of ``Content-Type`` (UTF-8 by default)."""
        encoding = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                encoding = value.strip("\"' ")
        try:
            return self.body.decode(encoding, errors="replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            # An unknown charset, or a codec that is no text encoding for a page (idna,
            # punycode: "charset=idna" raised out of the parser before).
            return self.body.decode("utf-8", errors="replace")


@dataclass(slots=True)
class Fetched:
    """One URL after redirects and retries: a response, or why there is none."""

    response: Response | None = None
    failure: str | None = None
    disallowed: bool = False
    """robots.txt forbids the URL or is unavailable ("not now")."""
    attempts: int = 0
    """HTTP requests sent for the URL (retries and redirect hops, not robots.txt)."""
    last_status: int | None = None


class StopCheck:
    """Asks ``stop_requested`` before every request; raises :class:`ScrapingDisabled`."""

    def __init__(self, stop_requested: StopRequested | None = None) -> None:
        self._stop_requested = stop_requested
        self.checks = 0
        self.stopped: str | None = None

    def check(self) -> None:
        self.checks += 1
        if self.stopped is None and self._stop_requested is not None:
            self.stopped = self._stop_requested()
        if self.stopped is not None:
            raise ScrapingDisabled(self.stopped)

    def stats(self) -> dict[str, object]:
        return {"checks": self.checks, "stopped": self.stopped}


class BodyTooLarge(Exception):
    """The answer is larger than ``max_body_bytes``."""


class PoliteTransport:
    """GETs URLs politely for one run; use as ``async with``."""

    def __init__(
        self,
        settings: ClientSettings,
        *,
        user_agent: str,
        stats: ClientStats,
        stop_requested: StopRequested | None = None,
        robots_cache: RobotsCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        s = self.settings = settings
        self.user_agent = user_agent
        self.stats = stats
        self.stop = StopCheck(stop_requested)
        self.allowlist = Allowlist((s.list_url, s.track_url_template))
        self.robots = RobotsRules(self._fetch_robots, robots_cache, max_age_s=s.robots_max_age_s)
        self.budget = PolitenessBudget(
            s.max_concurrency, s.max_rps, s.min_rps, recovery_s=s.rate_recovery_s
        )
        self.congestion = CongestionControl(
            self.budget.rate,
            window=s.pressure_window,
            share=s.pressure_share,
            min_targets=s.pressure_min_hosts,
            enabled=s.adaptive_rate,
        )
        self.retry = RetryPolicy(
            s.max_attempts,
            base_s=s.backoff_base_s,
            cap_s=s.backoff_cap_s,
            retry_after_cap_s=s.retry_after_cap_s,
            rand=rand,
        )
        self.oversized = 0
        self._transport = transport
        self._http: httpx.AsyncClient | None = None
        stats.components.update(
            stop=self.stop.stats,
            allowlist=self.allowlist.stats,
            robots=self.robots.stats,
            budget=self.budget.stats,
            congestion=self.congestion.stats,
            retry=self.retry.stats,
            body_cap=lambda: {"oversized": self.oversized},
        )

    @property
    def is_open(self) -> bool:
        return self._http is not None and not self._http.is_closed

    async def __aenter__(self) -> Self:
        s = self.settings
        limits = httpx.Limits(
            max_connections=s.max_concurrency, max_keepalive_connections=s.max_concurrency
        )
        inner = self._transport or httpx.AsyncHTTPTransport(limits=limits)
        transport = ResolvingTransport(inner, s.resolve) if s.resolve else inner
        self._http = httpx.AsyncClient(
            headers={"User-Agent": self.user_agent},
            timeout=httpx.Timeout(
                connect=s.connect_timeout_s,
                read=s.read_timeout_s,
                write=s.read_timeout_s,
                pool=s.connect_timeout_s,
            ),
            follow_redirects=False,
            transport=transport,
        )
        self.stats.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.robots.aclose()
        if self._http is not None:
            await self._http.aclose()
        self.stats.finish()

    async def get(
        self, url: str, kind: str, headers: Mapping[str, str], *, obey_robots: bool = True
    ) -> Fetched:
        """GET ``url`` following up to ``max_redirects`` allowlisted redirects by hand.

        Raises :class:`ScrapingDisabled` when the stop check says stop.
        """
        result = Fetched()
        current = url
        for hop in range(self.settings.max_redirects + 1):
            self.stop.check()
            if not self.allowlist.check(current):
                what = "redirect to" if hop else "URL"
                result.failure = f"{what} {current} refused: not on the allowlist"
                return result
            min_interval_s = 0.0
            if obey_robots and self.settings.obey_robots:
                policy = await self.robots.policy_for(current)
                refusal = _robots_refusal(policy, current)
                if refusal is not None:
                    result.disallowed, result.failure = True, refusal
                    return result
                min_interval_s = policy.min_interval_s()
            answer = await self._with_retries(current, kind, headers, min_interval_s)
            result.attempts += answer.attempts
            result.failure, result.last_status = answer.failure, answer.last_status
            response = answer.response
            if response is None:
                return result
            if response.status_code not in REDIRECT_STATUSES:
                result.response = response
                return result
            location = response.headers.get("location")
            if not location:
                result.failure = f"HTTP {response.status_code} redirect without a Location"
                return result
            current = urljoin(current, location)
            self.stats.redirects += 1
        result.failure = f"too many redirects (more than {self.settings.max_redirects})"
        return result

    async def _with_retries(
        self, url: str, kind: str, headers: Mapping[str, str], min_interval_s: float
    ) -> Fetched:
        """One URL, retried on transient failures; waits between tries hold no slot."""
        host = str(Origin.of(url))
        failure = "not attempted"
        attempts = self.retry.max_attempts
        for attempt in range(1, attempts + 1):
            self.stop.check()
            response: Response | None = None
            async with self.budget.slot(host, min_interval_s) as permit:
                self.stop.check()  # again: it may have said stop while this request queued
                self.stats.record_request(kind)
                started = time.monotonic()
                try:
                    response = await self._send(url, headers)
                except RETRYABLE_ERRORS as exc:
                    self.stats.record_transport_error(exc, time.monotonic() - started)
                    failure = describe_error(exc)
                    signal = _error_signal(exc)
                except httpx.HTTPError as exc:
                    self.stats.record_transport_error(exc, time.monotonic() - started)
                    return Fetched(failure=describe_error(exc), attempts=attempt)
                except BodyTooLarge as exc:
                    self.oversized += 1
                    return Fetched(failure=str(exc), attempts=attempt)
                else:
                    status = response.status_code
                    self.stats.record_response(
                        status, response.wire_bytes, time.monotonic() - started
                    )
                    signal = _status_signal(status)
                self.congestion.observe(url, permit.started_at, signal)
            if response is not None:
                if not is_retryable_status(response.status_code):
                    return Fetched(response=response, attempts=attempt)
                failure = f"HTTP {response.status_code}"
            last_status = response.status_code if response is not None else None
            if attempt == attempts:
                break
            retry_after = response.headers.get("retry-after") if response is not None else None
            delay = self.retry.delay(attempt, retry_after)
            logger.debug("retrying %s in %.2f s after %s", url, delay, failure)
            await asyncio.sleep(delay)
        plural = "s" if attempts > 1 else ""
        return Fetched(
            failure=f"{failure} after {attempts} attempt{plural}",
            attempts=attempts,
            last_status=last_status,
        )

    async def _send(self, url: str, headers: Mapping[str, str]) -> Response:
        if self._http is None:
            raise RuntimeError("the transport is not open")
        limit = self.settings.max_body_bytes
        async with asyncio.timeout(self.settings.request_timeout_s):
            request = self._http.build_request("GET", url, headers=headers)
            response = await self._http.send(request, stream=True)
            try:
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise BodyTooLarge(f"response larger than {limit} bytes")
                    chunks.append(chunk)
            finally:
                await response.aclose()
        body = b"".join(chunks)
        wire_bytes = response.num_bytes_downloaded or len(body)  # 0 when not streamed (mocks)
        return Response(url, response.status_code, response.headers, body, wire_bytes)

    async def _fetch_robots(self, robots_url: str, headers: dict[str, str]) -> RobotsAnswer:
        result = await self.get(robots_url, "robots", headers, obey_robots=False)
        if result.response is None:
            return RobotsAnswer(None, failure=result.failure)
        response = result.response
        return RobotsAnswer(
            response.status_code,
            response.text(),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )


def _robots_refusal(policy: RobotsPolicy, url: str) -> str | None:
    if not policy.available:
        return f"robots.txt unavailable ({policy.unavailable_reason})"
    if not policy.allows(url):
        return f"disallowed by robots.txt: {url}"
    return None


def _status_signal(status: int) -> Signal:
    if status == 429:
        return Signal.THROTTLED
    if status == 503:
        return Signal.OVERLOADED
    return Signal.TRACK_ERROR if status >= 500 else Signal.GOOD


def _error_signal(exc: BaseException) -> Signal:
    timeout = isinstance(exc, httpx.TimeoutException | TimeoutError)
    return Signal.OVERLOADED if timeout else Signal.TRACK_ERROR


def describe_error(exc: BaseException) -> str:
    """A transport failure as the reason of an outcome."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return f"connection error ({type(exc).__name__}: {error_line(exc)})"
    return f"{type(exc).__name__}: {error_line(exc)}"
