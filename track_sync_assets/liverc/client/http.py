"""``LiveRCClient``: the polite, fault-tolerant async client for LiveRC's pages.

One client (and one ``httpx.AsyncClient``) per run. Every request passes the
kill switch, the allowlist, robots.txt and the global politeness budget, is
bounded by timeouts, and is retried with backoff when the failure is transient.
Every dashboard fetch ends in exactly one :class:`~track_sync_assets.domain.FetchOutcome`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from urllib.parse import urljoin

import httpx

from track_sync_assets.domain import (
    DashboardFetch,
    FetchOutcome,
    TrackDashboard,
    TrackListing,
    Validators,
)
from track_sync_assets.liverc.client.budget import PolitenessBudget
from track_sync_assets.liverc.client.errors import (
    ScrapingDisabled,
    TrackListInvalid,
    TrackListUnavailable,
)
from track_sync_assets.liverc.client.identity import user_agent
from track_sync_assets.liverc.client.retry import (
    RETRYABLE_ERRORS,
    THROTTLE_STATUSES,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)
from track_sync_assets.liverc.client.robots import RobotsAnswer, RobotsCache
from track_sync_assets.liverc.client.settings import ClientSettings, scraping_enabled
from track_sync_assets.liverc.client.stats import ClientStats
from track_sync_assets.liverc.client.urls import Allowlist, InvalidSlug, Origin, track_url

logger = logging.getLogger(__name__)

ParseDashboard = Callable[[str], TrackDashboard]
ParseTrackList = Callable[[str], tuple[TrackListing, ...]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE_STATUSES = frozenset({404, 410})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


@dataclass(frozen=True, slots=True)
class TrackListFetch:
    """The parsed track list, never empty."""

    url: str
    fetched_at: datetime
    listings: tuple[TrackListing, ...]
    status_code: int
    elapsed_s: float
    size_bytes: int
    content_hash: str
    """sha256 (hex) of the body."""


@dataclass(slots=True)
class _Response:
    url: str
    status_code: int
    headers: httpx.Headers
    body: bytes
    wire_bytes: int
    """Bytes received on the wire (compressed)."""


@dataclass(slots=True)
class _Result:
    """A fetch after retries and redirects: a response, a failure or a robots refusal."""

    response: _Response | None = None
    failure: str | None = None
    disallowed: bool = False
    attempts: int = 0
    last_status: int | None = None


@dataclass(slots=True)
class _Attempts:
    """The outcome of one URL after retries (no redirect following)."""

    response: _Response | None = None
    failure: str | None = None
    attempts: int = 0
    last_status: int | None = None


class LiveRCClient:
    """Fetches LiveRC's track list and dashboards politely; use as ``async with``.

    Parsers are injectable (``parse_track_list``, ``parse_dashboard``); by default
    the ones of :mod:`track_sync_assets.liverc.parsing` are imported on first use.
    ``scrape_enabled`` is read before every request (default: the
    ``TRACK_SYNC_SCRAPE_ENABLED`` environment variable at that moment).
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        parse_track_list: ParseTrackList | None = None,
        parse_dashboard: ParseDashboard | None = None,
        scrape_enabled: Callable[[], bool] = scraping_enabled,
        transport: httpx.AsyncBaseTransport | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings or ClientSettings.from_env()
        self.user_agent = user_agent(self.settings.project_url, self.settings.contact)
        self.stats = ClientStats()
        self._parse_track_list = parse_track_list
        self._parse_dashboard = parse_dashboard
        self._scrape_enabled = scrape_enabled
        self._transport = transport
        self._rand = rand
        self._allowlist = Allowlist((self.settings.list_url, self.settings.track_url_template))
        self._http: httpx.AsyncClient | None = None
        self._budget: PolitenessBudget | None = None
        self._robots: RobotsCache | None = None

    # --- lifecycle ---

    async def __aenter__(self) -> Self:
        s = self.settings
        self._http = httpx.AsyncClient(
            headers={"User-Agent": self.user_agent},
            timeout=httpx.Timeout(
                connect=s.connect_timeout_s,
                read=s.read_timeout_s,
                write=s.read_timeout_s,
                pool=s.connect_timeout_s,
            ),
            limits=httpx.Limits(
                max_connections=s.max_concurrency, max_keepalive_connections=s.max_concurrency
            ),
            follow_redirects=False,
            transport=self._transport,
        )
        self._budget = PolitenessBudget(s.max_concurrency, s.max_rps, s.min_rps)
        self._robots = RobotsCache(self._fetch_robots)
        self.stats.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._robots is not None:
            await self._robots.aclose()
        if self._http is not None:
            await self._http.aclose()
        self.stats.finish()

    # --- public API ---

    async def fetch_track_list(self) -> TrackListFetch:
        """Fetch and parse the track list.

        Raises :class:`ScrapingDisabled`, :class:`TrackListUnavailable` (not fetched,
        after retries) or :class:`TrackListInvalid` (fetched but not parseable/empty).
        """
        self._require_open()
        self._require_enabled()
        url = self.settings.list_url
        started = time.monotonic()
        fetched_at = datetime.now(UTC)
        result = await self._fetch(url, "list", {"Accept": HTML_ACCEPT})
        if result.response is None:
            raise TrackListUnavailable(url, result.failure or "not fetched", result.last_status)
        response = result.response
        if not 200 <= response.status_code < 300:
            raise TrackListUnavailable(url, f"HTTP {response.status_code}", response.status_code)
        parse = self._parse_track_list or _default_parse_track_list()
        try:
            listings = tuple(parse(_decode(response)))
        except Exception as exc:
            if not _is_parse_error(exc):
                logger.exception("track list parser crashed on %s", url)
            raise TrackListInvalid(url, _one_line(exc)) from exc
        if not listings:
            raise TrackListInvalid(url, "the page lists no tracks")
        return TrackListFetch(
            url=url,
            fetched_at=fetched_at,
            listings=listings,
            status_code=response.status_code,
            elapsed_s=time.monotonic() - started,
            size_bytes=len(response.body),
            content_hash=_sha256(response.body),
        )

    async def fetch_dashboard(
        self, slug: str, previous: Validators | None = None
    ) -> DashboardFetch:
        """Fetch (conditionally) and parse one dashboard; always returns one outcome.

        Only :class:`ScrapingDisabled` (and cancellation) escape.
        """
        self._require_open()
        started = time.monotonic()
        fetched_at = datetime.now(UTC)
        previous = previous or Validators()
        try:
            url = track_url(self.settings.track_url_template, slug)
        except InvalidSlug as exc:
            return self._dashboard_outcome(
                slug, str(slug), FetchOutcome.FAILED, fetched_at, started, previous, reason=str(exc)
            )
        try:
            result = await self._fetch(url, "dashboard", _request_headers(previous))
            return self._classify_dashboard(slug, url, result, fetched_at, started, previous)
        except ScrapingDisabled:
            raise
        except Exception as exc:  # a bug must not kill the batch: report it, with its traceback
            logger.exception("unexpected error fetching dashboard %s", url)
            return self._dashboard_outcome(
                slug,
                url,
                FetchOutcome.FAILED,
                fetched_at,
                started,
                previous,
                reason=f"unexpected error: {type(exc).__name__}: {_one_line(exc)}",
            )

    async def fetch_dashboards(
        self,
        items: Iterable[tuple[str, Validators | None]],
        on_result: Callable[[DashboardFetch], None] | None = None,
    ) -> list[DashboardFetch]:
        """Fetch many dashboards concurrently under the budget; results in input order.

        ``items`` is consumed lazily by a bounded pool of workers; ``on_result`` is
        called as each fetch ends. Raises :class:`ScrapingDisabled` when the kill
        switch is (or goes) off; an exception from ``on_result`` stops the batch.
        """
        self._require_open()
        self._require_enabled()
        iterator = enumerate(items)
        results: dict[int, DashboardFetch] = {}

        async def worker() -> None:
            for index, (slug, previous) in iterator:
                fetch = await self.fetch_dashboard(slug, previous)
                results[index] = fetch
                if on_result is not None:
                    on_result(fetch)

        # Twice the concurrency: workers sleeping between retries leave slots to others.
        workers = [
            asyncio.create_task(worker(), name=f"dashboard worker {n}")
            for n in range(2 * self.settings.max_concurrency)
        ]
        try:
            await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            for task in workers:
                task.cancel()
            outcomes = await asyncio.gather(*workers, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(
                outcome, asyncio.CancelledError
            ):
                raise outcome
        return [results[index] for index in sorted(results)]

    # --- classification ---

    def _classify_dashboard(
        self,
        slug: str,
        url: str,
        result: _Result,
        fetched_at: datetime,
        started: float,
        previous: Validators,
    ) -> DashboardFetch:
        def outcome(kind: FetchOutcome, **fields: object) -> DashboardFetch:
            return self._dashboard_outcome(
                slug, url, kind, fetched_at, started, previous, attempts=result.attempts, **fields
            )

        if result.disallowed:
            return outcome(FetchOutcome.DISALLOWED, reason=result.failure)
        if result.response is None:
            return outcome(
                FetchOutcome.FAILED, status_code=result.last_status, reason=result.failure
            )
        response = result.response
        status = response.status_code
        if status == 304:
            validators = Validators(
                etag=response.headers.get("etag") or previous.etag,
                last_modified=response.headers.get("last-modified") or previous.last_modified,
                content_hash=previous.content_hash,
            )
            return outcome(FetchOutcome.NOT_MODIFIED, status_code=status, validators=validators)
        if status in GONE_STATUSES:
            return outcome(FetchOutcome.GONE, status_code=status, reason=f"HTTP {status}")
        if not 200 <= status < 300:
            return outcome(FetchOutcome.FAILED, status_code=status, reason=f"HTTP {status}")
        validators = Validators(
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            content_hash=_sha256(response.body),
        )
        if previous.content_hash is not None and validators.content_hash == previous.content_hash:
            return outcome(FetchOutcome.NOT_MODIFIED, status_code=status, validators=validators)
        parse = self._parse_dashboard or _default_parse_dashboard()
        try:
            dashboard = parse(_decode(response))
        except Exception as exc:
            if not _is_parse_error(exc):
                logger.exception("parser crashed on %s", url)
            reason = f"malformed page: {_one_line(exc)}"
            return outcome(FetchOutcome.FAILED, status_code=status, reason=reason)
        return outcome(
            FetchOutcome.OK, status_code=status, validators=validators, dashboard=dashboard
        )

    def _dashboard_outcome(
        self,
        slug: str,
        url: str,
        kind: FetchOutcome,
        fetched_at: datetime,
        started: float,
        previous: Validators,
        **fields: object,
    ) -> DashboardFetch:
        self.stats.record_outcome(kind.value)
        fields.setdefault("validators", previous)
        return DashboardFetch(
            slug=slug,
            url=url,
            outcome=kind,
            fetched_at=fetched_at,
            elapsed_s=time.monotonic() - started,
            **fields,  # type: ignore[arg-type]
        )

    # --- the request pipeline: kill switch, allowlist, robots, redirects, retries, budget ---

    def _require_open(self) -> None:
        if self._http is None or self._http.is_closed:
            raise RuntimeError("LiveRCClient must be used as 'async with LiveRCClient(...)'")

    def _require_enabled(self) -> None:
        if not self._scrape_enabled():
            raise ScrapingDisabled()

    async def _fetch(
        self, url: str, kind: str, headers: Mapping[str, str], *, obey_robots: bool = True
    ) -> _Result:
        """GET ``url`` following up to ``max_redirects`` allowlisted redirects by hand."""
        assert self._robots is not None
        result = _Result()
        current = url
        for hop in range(self.settings.max_redirects + 1):
            self._require_enabled()
            if not self._allowlist.allows(current):
                what = "redirect to" if hop else "URL"
                result.failure = f"{what} {current} refused: not on the allowlist"
                return result
            min_interval_s = 0.0
            if obey_robots:
                policy = await self._robots.policy_for(current)
                if not policy.available:
                    result.disallowed = True
                    result.failure = f"robots.txt unavailable ({policy.unavailable_reason})"
                    return result
                if not policy.allows(current):
                    result.disallowed = True
                    result.failure = f"disallowed by robots.txt: {current}"
                    return result
                min_interval_s = policy.min_interval_s()
            attempt = await self._request_with_retries(current, kind, headers, min_interval_s)
            result.attempts += attempt.attempts
            if attempt.response is None:
                result.failure = attempt.failure
                result.last_status = attempt.last_status
                return result
            response = attempt.response
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

    async def _request_with_retries(
        self, url: str, kind: str, headers: Mapping[str, str], min_interval_s: float
    ) -> _Attempts:
        s = self.settings
        assert self._budget is not None
        host = str(Origin.of(url))
        failure = "not attempted"
        last_status: int | None = None
        for attempt in range(1, s.max_attempts + 1):
            self._require_enabled()
            response: _Response | None = None
            async with self._budget.slot(host, min_interval_s) as permit:
                self._require_enabled()  # again: the switch may have flipped while queueing
                self.stats.record_request(kind)
                self.stats.max_in_flight = self._budget.max_in_flight
                started = time.monotonic()
                try:
                    response = await self._send(url, headers)
                except RETRYABLE_ERRORS as exc:
                    self.stats.record_transport_error(exc, time.monotonic() - started)
                    failure = _describe_error(exc)
                except httpx.HTTPError as exc:
                    self.stats.record_transport_error(exc, time.monotonic() - started)
                    return _Attempts(failure=_describe_error(exc), attempts=attempt)
                except _BodyTooLarge as exc:
                    return _Attempts(failure=str(exc), attempts=attempt)
                else:
                    status = response.status_code
                    latency = time.monotonic() - started
                    self.stats.record_response(status, response.wire_bytes, latency)
                    if status in THROTTLE_STATUSES:
                        if self._budget.throttled(permit):
                            self.stats.rate_decreases += 1
                    elif status < 500:
                        self._budget.succeeded()
                    self.stats.final_rate_rps = round(self._budget.rate.rate, 3)
            if response is not None:
                if not is_retryable_status(response.status_code):
                    return _Attempts(response=response, attempts=attempt)
                failure = f"HTTP {response.status_code}"
                last_status = response.status_code
            else:
                last_status = None
            if attempt == s.max_attempts:
                break
            retry_after = (
                parse_retry_after(response.headers.get("retry-after")) if response else None
            )
            delay = retry_delay(
                attempt,
                retry_after,
                base_s=s.backoff_base_s,
                cap_s=s.backoff_cap_s,
                retry_after_cap_s=s.retry_after_cap_s,
                rand=self._rand,
            )
            self.stats.retries += 1
            logger.debug("retrying %s in %.2f s after %s", url, delay, failure)
            await asyncio.sleep(delay)
        plural = "s" if s.max_attempts > 1 else ""
        return _Attempts(
            failure=f"{failure} after {s.max_attempts} attempt{plural}",
            attempts=s.max_attempts,
            last_status=last_status,
        )

    async def _send(self, url: str, headers: Mapping[str, str]) -> _Response:
        assert self._http is not None
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
                        raise _BodyTooLarge(f"response larger than {limit} bytes")
                    chunks.append(chunk)
            finally:
                await response.aclose()
        body = b"".join(chunks)
        wire_bytes = response.num_bytes_downloaded or len(body)  # 0 when not streamed (mocks)
        return _Response(url, response.status_code, response.headers, body, wire_bytes)

    async def _fetch_robots(self, robots_url: str) -> RobotsAnswer:
        result = await self._fetch(
            robots_url, "robots", {"Accept": "text/plain"}, obey_robots=False
        )
        if result.response is None:
            return RobotsAnswer(None, failure=result.failure)
        response = result.response
        return RobotsAnswer(response.status_code, _decode(response))


class _BodyTooLarge(Exception):
    pass


def _request_headers(previous: Validators) -> dict[str, str]:
    headers = {"Accept": HTML_ACCEPT}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _decode(response: _Response) -> str:
    content_type = response.headers.get("content-type", "")
    encoding = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            encoding = value.strip("\"' ")
    try:
        return response.body.decode(encoding, errors="replace")
    except LookupError:
        return response.body.decode("utf-8", errors="replace")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"timeout ({type(exc).__name__})"
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return f"connection error ({type(exc).__name__}: {_one_line(exc)})"
    return f"{type(exc).__name__}: {_one_line(exc)}"


def _is_parse_error(exc: BaseException) -> bool:
    try:
        from track_sync_assets.liverc.parsing import LiveRCParseError
    except ImportError:
        return False
    return isinstance(exc, LiveRCParseError)


def _default_parse_track_list() -> ParseTrackList:
    from track_sync_assets.liverc.parsing import parse_track_list

    return parse_track_list


def _default_parse_dashboard() -> ParseDashboard:
    from track_sync_assets.liverc.parsing import parse_dashboard

    return parse_dashboard
