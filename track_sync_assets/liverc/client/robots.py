"""robots.txt, read once per host per run through protego and shared by concurrent callers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from protego import Protego

from track_sync_assets.liverc.client.identity import PRODUCT_TOKEN
from track_sync_assets.liverc.client.urls import Origin


@dataclass(frozen=True, slots=True)
class RobotsAnswer:
    """What fetching ``/robots.txt`` gave: a status and text, or a failure reason."""

    status_code: int | None
    text: str = ""
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class RobotsPolicy:
    """The rules of one host: allow all, the parsed file, or "not now" (unavailable)."""

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
        if 400 <= status < 500 and status != 429:
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


RobotsFetcher = Callable[[str], Awaitable[RobotsAnswer]]


class RobotsCache:
    """One robots.txt fetch per origin per run; concurrent first callers share it."""

    def __init__(self, fetch: RobotsFetcher) -> None:
        self._fetch = fetch
        self._policies: dict[Origin, asyncio.Task[RobotsPolicy]] = {}

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
            # An error (e.g. the kill switch) is not a policy: let a later call try again.
            if self._policies.get(origin) is task:
                del self._policies[origin]
            raise

    async def _load(self, origin: Origin) -> RobotsPolicy:
        return RobotsPolicy.from_answer(origin, await self._fetch(origin.robots_url))

    async def aclose(self) -> None:
        """Cancel robots fetches still running (the run is over)."""
        pending = [task for task in self._policies.values() if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._policies.clear()
