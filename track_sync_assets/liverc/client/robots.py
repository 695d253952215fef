"""robots.txt (RFC 9309), parsed by protego: once per origin per run, kept between runs.

:class:`RobotsRules` gives each URL the policy of its origin. A stored copy younger than
``max_age_s`` (at most 24 h) is used without a request; an older one is revalidated with
a conditional request (``If-None-Match`` / ``If-Modified-Since``; a 304 renews it). A
2xx is obeyed, another 4xx allows all; a 429, 5xx or network failure falls back to the
stored copy when there is one, else means "not now" for the origin.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from protego import Protego

from track_sync_assets.liverc.client.identity import PRODUCT_TOKEN
from track_sync_assets.liverc.client.robots_cache import CachedRobots, RobotsCache
from track_sync_assets.liverc.client.urls import Origin


@dataclass(frozen=True, slots=True)
class RobotsAnswer:
    """What asking for ``/robots.txt`` gave: a status, text and validators, or a failure."""

    status_code: int | None
    text: str = ""
    failure: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """The rules of one origin: allow all, the parsed file, or "not now" (unavailable)."""

    origin: Origin
    rules: Protego | None = None
    unavailable_reason: str | None = None

    @classmethod
    def from_answer(cls, origin: Origin, answer: RobotsAnswer) -> RobotsPolicy:
        """2xx: obey the file; other 4xx: allow all; 429, 5xx, timeouts, errors: not now."""
        status = answer.status_code
        if answer.failure is not None or status is None:
            return cls(origin, unavailable_reason=answer.failure or "no answer")
        if 200 <= status < 300:
            return cls(origin, rules=Protego.parse(answer.text))
        if _allows_all(status):
            return cls(origin)
        return cls(origin, unavailable_reason=f"HTTP {status}")

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None

    def allows(self, url: str) -> bool:
        """May ``url`` be fetched? Never true while robots.txt is unavailable."""
        if not self.available:
            return False
        return self.rules is None or self.rules.can_fetch(url, PRODUCT_TOKEN)

    def min_interval_s(self) -> float:
        """The spacing the host asks for (``Crawl-delay`` or ``Request-rate``), else 0."""
        if self.rules is None:
            return 0.0
        delay = self.rules.crawl_delay(PRODUCT_TOKEN) or 0.0
        rate = self.rules.request_rate(PRODUCT_TOKEN)
        if rate is not None and rate.requests > 0:
            delay = max(delay, rate.seconds / rate.requests)
        return float(delay)


RobotsFetcher = Callable[[str, dict[str, str]], Awaitable[RobotsAnswer]]
"""``(robots URL, conditional headers) -> answer``."""


class RobotsRules:
    """One robots.txt decision per origin per run; concurrent first callers share it."""

    def __init__(
        self,
        fetch: RobotsFetcher,
        cache: RobotsCache | None = None,
        *,
        max_age_s: float = 24 * 3600.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fetch = fetch
        self._cache = cache
        self._max_age_s = max_age_s
        self._now = now
        self._policies: dict[Origin, asyncio.Task[RobotsPolicy]] = {}
        self.counts: Counter[str] = Counter()

    async def policy_for(self, url: str) -> RobotsPolicy:
        origin = Origin.of(url)
        task = self._policies.get(origin)
        if task is None:
            task = asyncio.create_task(self._load(origin), name=f"robots {origin}")
            self._policies[origin] = task
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            raise
        except BaseException:
            # An error (e.g. the stop check) is not a policy: let a later call try again.
            if self._policies.get(origin) is task:
                del self._policies[origin]
            raise

    async def _load(self, origin: Origin) -> RobotsPolicy:
        key = str(origin)
        stored = self._cache.get(key) if self._cache is not None else None
        now = self._now()
        if stored is not None and (now - stored.fetched_at).total_seconds() < self._max_age_s:
            self.counts["fresh_from_cache"] += 1
            return _policy(origin, stored)
        answer = await self._fetch(origin.robots_url, _conditional_headers(stored))
        self.counts["fetched"] += 1
        status = answer.status_code
        if stored is not None and status == 304:
            self.counts["revalidated"] += 1
            self._put(key, replace(stored, fetched_at=now))
            return _policy(origin, stored)
        if (
            answer.failure is None
            and status is not None
            and (200 <= status < 300 or _allows_all(status))
        ):
            self._put(
                key, CachedRobots(status, answer.text, answer.etag, answer.last_modified, now)
            )
            return RobotsPolicy.from_answer(origin, answer)
        if stored is not None:  # 429, 5xx, a network failure: the stored copy stands in
            self.counts["stale_used"] += 1
            return _policy(origin, stored)
        self.counts["unavailable"] += 1
        return RobotsPolicy.from_answer(origin, answer)

    def _put(self, key: str, robots: CachedRobots) -> None:
        if self._cache is not None:
            self._cache.put(key, robots)

    def stats(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))

    async def aclose(self) -> None:
        """Cancel robots fetches still running (the run is over)."""
        pending = [task for task in self._policies.values() if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._policies.clear()


def _allows_all(status: int) -> bool:
    return 400 <= status < 500 and status != 429


def _policy(origin: Origin, stored: CachedRobots) -> RobotsPolicy:
    return RobotsPolicy.from_answer(origin, RobotsAnswer(stored.status_code, stored.body))


def _conditional_headers(stored: CachedRobots | None) -> dict[str, str]:
    headers = {"Accept": "text/plain"}
    if stored is not None and stored.etag:
        headers["If-None-Match"] = stored.etag
    if stored is not None and stored.last_modified:
        headers["If-Modified-Since"] = stored.last_modified
    return headers
