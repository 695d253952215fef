"""The global politeness budget: one concurrency cap and one adaptive request rate.

Every request the client sends (robots.txt, the list, dashboards, retries and
redirect hops) takes a slot from the one :class:`PolitenessBudget` of the run,
whatever its host: LiveRC serves every track from its own host, so only a global
limit bounds the load on LiveRC.

Pacing is a generic cell rate algorithm with no burst tolerance: request starts
are scheduled ``1 / rate`` seconds apart and idle time earns no credit, so no window
of ``W`` seconds holds more than ``floor(W * rate) + 1`` scheduled starts (an actual
start lags its slot only by the event loop's wake-up delay, about a millisecond).
The rate halves (down to a floor) when LiveRC answers 429 or 503 and climbs back
additively after each streak of successes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Permit:
    """Proof that a request may start now; ``started_at`` is on the budget's clock."""

    started_at: float


class AdaptiveRate:
    """A request rate with multiplicative decrease and additive increase (AIMD)."""

    def __init__(
        self,
        max_rps: float,
        min_rps: float,
        *,
        increase_step: float | None = None,
        success_streak: int = 10,
    ) -> None:
        if not 0 < min_rps <= max_rps:
            raise ValueError(f"need 0 < min_rps <= max_rps, got {min_rps} and {max_rps}")
        self.max_rps = max_rps
        self.min_rps = min_rps
        self.increase_step = increase_step if increase_step is not None else max_rps / 10
        self.success_streak = success_streak
        self._rate = max_rps
        self._streak = 0
        self._last_decrease_at = float("-inf")
        self.decreases = 0

    @property
    def rate(self) -> float:
        return self._rate

    def on_throttled(self, request_started_at: float, now: float) -> bool:
        """Halve the rate (one decrease per congestion episode); True if it dropped.

        Answers to requests that started before the last decrease belong to the
        same episode and do not halve the rate again.
        """
        self._streak = 0
        if request_started_at < self._last_decrease_at:
            return False
        self._last_decrease_at = now
        new_rate = max(self.min_rps, self._rate / 2)
        dropped = new_rate < self._rate
        self._rate = new_rate
        self.decreases += int(dropped)
        return dropped

    def on_success(self) -> None:
        """Count a success; every ``success_streak`` in a row raise the rate one step."""
        if self._rate >= self.max_rps:
            return
        self._streak += 1
        if self._streak >= self.success_streak:
            self._streak = 0
            self._rate = min(self.max_rps, self._rate + self.increase_step)


@dataclass(slots=True)
class _HostGate:
    lock: asyncio.Lock
    next_start: float


class PolitenessBudget:
    """Global concurrency cap + paced adaptive rate + optional per-host interval."""

    def __init__(
        self,
        max_concurrency: int,
        max_rps: float,
        min_rps: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        self.rate = AdaptiveRate(max_rps, min(min_rps or max_rps / 16, max_rps))
        self._clock = clock
        self._sleep = sleep
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._pace_lock = asyncio.Lock()
        self._next_start = float("-inf")
        self._hosts: dict[str, _HostGate] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.granted = 0

    @asynccontextmanager
    async def slot(
        self, host: str | None = None, min_interval_s: float = 0.0
    ) -> AsyncIterator[Permit]:
        """Hold one request slot; the request may start on entry.

        With ``min_interval_s`` (a robots.txt Crawl-delay) starts on ``host`` are
        also spaced by that interval. Waiting for the host happens before taking
        a global slot, so a slow host does not hold up the others.
        """
        gate = self._gate(host) if host is not None and min_interval_s > 0 else None
        if gate is not None:
            await gate.lock.acquire()
        try:
            if gate is not None:
                await self._sleep_until(gate.next_start)
            await self._semaphore.acquire()
            try:
                started_at = await self._pace()
            except BaseException:
                self._semaphore.release()
                raise
            if gate is not None:
                gate.next_start = started_at + min_interval_s
        finally:
            if gate is not None:
                gate.lock.release()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.granted += 1
        try:
            yield Permit(started_at)
        finally:
            self.in_flight -= 1
            self._semaphore.release()

    def throttled(self, permit: Permit) -> bool:
        """Report a 429/503 answer to the request holding ``permit``; True if the rate dropped."""
        return self.rate.on_throttled(permit.started_at, self._clock())

    def succeeded(self) -> None:
        """Report a successful answer (lets the rate recover)."""
        self.rate.on_success()

    async def _pace(self) -> float:
        """GCRA with no burst tolerance: slot k+1 comes 1/rate after slot k.

        A caller that had to wait takes its scheduled slot (the event loop wakes it a
        little late, and that lateness must not erode the rate); a caller arriving
        after an idle gap takes "now" (idle time earns no burst).
        """
        async with self._pace_lock:
            slot = self._clock()
            if self._next_start > slot:
                slot = self._next_start
                await self._sleep_until(slot)
            self._next_start = slot + 1.0 / self.rate.rate
            return self._clock()

    async def _sleep_until(self, deadline: float) -> None:
        while (wait := deadline - self._clock()) > 0:
            await self._sleep(wait)

    def _gate(self, host: str) -> _HostGate:
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = _HostGate(asyncio.Lock(), float("-inf"))
        return gate
