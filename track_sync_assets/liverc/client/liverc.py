"""``LiveRCClient``: LiveRC's track list and dashboards, with one outcome per track.

This is the LiveRC-specific half: which URLs to ask for, which headers to send, and
how an answer becomes a :class:`~track_sync_assets.domain.FetchOutcome`. Politeness
lives in :class:`~track_sync_assets.liverc.client.transport.PoliteTransport`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpx

from track_sync_assets.domain import (
    DashboardFetch,
    FetchOutcome,
    TrackDashboard,
    TrackListing,
    Validators,
)
from track_sync_assets.errors import error_line
from track_sync_assets.liverc.client.errors import (
    ScrapingDisabled,
    TrackListInvalid,
    TrackListUnavailable,
)
from track_sync_assets.liverc.client.identity import user_agent
from track_sync_assets.liverc.client.robots_cache import RobotsCache
from track_sync_assets.liverc.client.settings import ClientSettings
from track_sync_assets.liverc.client.stats import ClientStats
from track_sync_assets.liverc.client.transport import (
    Fetched,
    PoliteTransport,
    StopRequested,
)
from track_sync_assets.liverc.client.urls import InvalidSlug, track_url

if TYPE_CHECKING:
    from track_sync_assets.liverc.parsing.track_list import RejectedRow, TrackListParse

logger = logging.getLogger(__name__)

ParseDashboard = Callable[[str], TrackDashboard]
ParseTrackList = Callable[[str], "tuple[TrackListing, ...] | TrackListParse"]
"""A parser: the listings, or a :class:`TrackListParse` with the rejected rows too."""

GONE_STATUSES = frozenset({404, 410})
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
WORKERS_PER_SLOT = 4
"""Dashboard workers per concurrency slot: tracks waiting to retry hold a worker, not a slot."""


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
    rejected: tuple[RejectedRow, ...] = ()
    """Rows that could not be read (skipped and reported; the good rows are synced)."""


class LiveRCClient:
    """Fetches LiveRC's track list and dashboards politely; use as ``async with``.

    ``stop_requested`` is asked before every request (robots.txt and retries included);
    when it returns a reason, :class:`ScrapingDisabled` naming it ends every remaining
    fetch. ``robots_cache`` keeps robots.txt between runs. Parsers default to
    :mod:`track_sync_assets.liverc.parsing` (imported on first use); ``transport`` lets
    tests plug in ``httpx.MockTransport``.
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        stop_requested: StopRequested | None = None,
        robots_cache: RobotsCache | None = None,
        parse_track_list: ParseTrackList | None = None,
        parse_dashboard: ParseDashboard | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings or ClientSettings()
        self.user_agent = user_agent(self.settings.project_url, self.settings.contact)
        self.stats = ClientStats()
        self.transport = PoliteTransport(
            self.settings,
            user_agent=self.user_agent,
            stats=self.stats,
            stop_requested=stop_requested,
            robots_cache=robots_cache,
            transport=transport,
            rand=rand,
        )
        self._parse_track_list = parse_track_list
        self._parse_dashboard = parse_dashboard

    async def __aenter__(self) -> Self:
        await self.transport.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.transport.__aexit__(exc_type, exc, tb)

    async def fetch_track_list(self) -> TrackListFetch:
        """Fetch and parse the track list.

        Raises :class:`ScrapingDisabled`, :class:`TrackListUnavailable` (not fetched,
        after retries) or :class:`TrackListInvalid` (fetched but not parseable/empty).
        """
        self._require_open()
        self.transport.stop.check()
        url = self.settings.list_url
        started = time.monotonic()
        fetched_at = datetime.now(UTC)
        result = await self.transport.get(url, "list", {"Accept": HTML_ACCEPT})
        if result.response is None:
            raise TrackListUnavailable(url, result.failure or "not fetched", result.last_status)
        response = result.response
        if not 200 <= response.status_code < 300:
            raise TrackListUnavailable(url, f"HTTP {response.status_code}", response.status_code)
        parse = self._parse_track_list or _default_parse_track_list()
        try:
            parsed = parse(response.text())
            listings = tuple(getattr(parsed, "listings", parsed))
            rejected = tuple(getattr(parsed, "rejected", ()))
        except Exception as exc:
            if not _is_parse_error(exc):
                logger.exception("track list parser crashed on %s", url)
            raise TrackListInvalid(url, error_line(exc)) from exc
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
            rejected=rejected,
        )

    async def fetch_dashboard(
        self, slug: str, previous: Validators | None = None
    ) -> DashboardFetch:
        """Fetch (conditionally) and parse one dashboard; always returns one outcome.

        Only :class:`ScrapingDisabled` (and cancellation) escape.
        """
        self._require_open()
        outcome = _Outcome(self, slug, previous or Validators())
        try:
            url = outcome.url = track_url(self.settings.track_url_template, slug)
        except InvalidSlug as exc:
            return outcome.make(FetchOutcome.FAILED, reason=str(exc))
        try:
            result = await self.transport.get(url, "dashboard", _request_headers(outcome.previous))
            return self._classify(outcome, result)
        except ScrapingDisabled:
            raise
        except Exception as exc:  # a bug must not kill the batch: report it, with its traceback
            logger.exception("unexpected error fetching dashboard %s", url)
            reason = f"unexpected error: {type(exc).__name__}: {error_line(exc)}"
            return outcome.make(FetchOutcome.FAILED, reason=reason)

    async def fetch_dashboards(
        self,
        items: Iterable[tuple[str, Validators | None]],
        on_result: Callable[[DashboardFetch], None] | None = None,
    ) -> list[DashboardFetch]:
        """Fetch many dashboards concurrently under the budget; results in input order.

        ``items`` is consumed lazily by a bounded pool of workers; ``on_result`` is
        called as each fetch ends. Raises :class:`ScrapingDisabled` when the stop check
        says stop; an exception from ``on_result`` stops the batch.
        """
        self._require_open()
        self.transport.stop.check()
        iterator = enumerate(items)
        results: dict[int, DashboardFetch] = {}

        async def worker() -> None:
            for index, (slug, previous) in iterator:
                fetch = await self.fetch_dashboard(slug, previous)
                results[index] = fetch
                if on_result is not None:
                    on_result(fetch)

        workers = [
            asyncio.create_task(worker(), name=f"dashboard worker {n}")
            for n in range(WORKERS_PER_SLOT * self.settings.max_concurrency)
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

    def _classify(self, outcome: _Outcome, result: Fetched) -> DashboardFetch:
        outcome.attempts = result.attempts
        if result.disallowed:
            return outcome.make(FetchOutcome.DISALLOWED, reason=result.failure)
        if result.response is None:
            return outcome.make(
                FetchOutcome.FAILED, status_code=result.last_status, reason=result.failure
            )
        response, previous = result.response, outcome.previous
        status = response.status_code
        if status == 304:
            validators = Validators(
                etag=response.headers.get("etag") or previous.etag,
                last_modified=response.headers.get("last-modified") or previous.last_modified,
                content_hash=previous.content_hash,
            )
            return outcome.make(
                FetchOutcome.NOT_MODIFIED, status_code=status, validators=validators
            )
        if status in GONE_STATUSES:
            return outcome.make(FetchOutcome.GONE, status_code=status, reason=f"HTTP {status}")
        if not 200 <= status < 300:
            return outcome.make(FetchOutcome.FAILED, status_code=status, reason=f"HTTP {status}")
        validators = Validators(
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            content_hash=_sha256(response.body),
        )
        if previous.content_hash is not None and validators.content_hash == previous.content_hash:
            return outcome.make(
                FetchOutcome.NOT_MODIFIED, status_code=status, validators=validators
            )
        parse = self._parse_dashboard or _default_parse_dashboard()
        try:
            dashboard = parse(response.text())
        except Exception as exc:
            if not _is_parse_error(exc):
                logger.exception("parser crashed on %s", outcome.url)
            reason = f"malformed page: {error_line(exc)}"
            return outcome.make(FetchOutcome.FAILED, status_code=status, reason=reason)
        return outcome.make(
            FetchOutcome.OK, status_code=status, validators=validators, dashboard=dashboard
        )

    def _require_open(self) -> None:
        if not self.transport.is_open:
            raise RuntimeError("LiveRCClient must be used as 'async with LiveRCClient(...)'")


class _Outcome:
    """Builds the one :class:`DashboardFetch` of a track (timing, defaults, statistics)."""

    def __init__(self, client: LiveRCClient, slug: str, previous: Validators) -> None:
        self.client = client
        self.slug = slug
        self.url = str(slug)
        self.previous = previous
        self.attempts = 0
        self.started = time.monotonic()
        self.fetched_at = datetime.now(UTC)

    def make(self, kind: FetchOutcome, **fields: object) -> DashboardFetch:
        self.client.stats.record_outcome(kind.value)
        fields.setdefault("validators", self.previous)
        return DashboardFetch(
            slug=self.slug,
            url=self.url,
            outcome=kind,
            fetched_at=self.fetched_at,
            elapsed_s=time.monotonic() - self.started,
            attempts=self.attempts,
            **fields,  # type: ignore[arg-type]
        )


def _request_headers(previous: Validators) -> dict[str, str]:
    headers = {"Accept": HTML_ACCEPT}
    if previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _is_parse_error(exc: BaseException) -> bool:
    from track_sync_assets.liverc.parsing import LiveRCParseError

    return isinstance(exc, LiveRCParseError)


def _default_parse_track_list() -> ParseTrackList:
    from track_sync_assets.liverc.parsing.track_list import parse_track_list_rows

    return parse_track_list_rows


def _default_parse_dashboard() -> ParseDashboard:
    from track_sync_assets.liverc.parsing import parse_dashboard

    return parse_dashboard
