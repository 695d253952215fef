"""The global politeness budget: one concurrency cap and one adaptive request rate.

Every request the client sends (robots.txt, the list, dashboards, retries and
redirect hops) takes a slot from the one :class:`PolitenessBudget` of the run,
whatever its host: LiveRC serves every track from its own host, so only a global
limit bounds the load on LiveRC.

Pacing is a generic cell rate algorithm with no burst tolerance: request starts
are scheduled ``1 / rate`` seconds apart and idle time earns no credit, so no window
of ``W`` seconds holds more than ``floor(W * rate) + 1`` scheduled starts (an actual
start lags its slot only by the event loop's wake-up delay, about a millisecond).
The rate itself is an :class:`~track_sync_assets.liverc.client.congestion.AdaptiveRate`,
cut and recovered by the congestion control.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from track_sync_assets.liverc.client.congestion import AdaptiveRate

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Permit:
    """Proof that a request may start now; ``started_at`` is on the budget's clock."""

    started_at: float


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
        recovery_s: float = 30.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.max_concurrency = max_concurrency
        floor = min(min_rps or max_rps / 16, max_rps)
        self.rate = AdaptiveRate(max_rps, floor, recovery_s=recovery_s, clock=clock)
        self._clock = clock
        self._sleep = sleep
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._pace_lock = asyncio.Lock()
        self._next_start = float("-inf")
        self._hosts: dict[str, _HostGate] = {}
        self.in_flight = 0
        self.max_in_flight = 0
        self.granted = 0
        self.pacing_wait_s = 0.0

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

    def stats(self) -> dict[str, object]:
        return {
            "granted": self.granted,
            "max_in_flight": self.max_in_flight,
            "pacing_wait_s": round(self.pacing_wait_s, 3),
        }

    async def _pace(self) -> float:
        """GCRA with no burst tolerance: slot k+1 comes 1/rate after slot k.

        A caller that had to wait takes its scheduled slot (the event loop wakes it a
        little late, and that lateness must not erode the rate); a caller arriving
        after an idle gap takes "now" (idle time earns no burst).
        """
        async with self._pace_lock:
            slot = self._clock()
            if self._next_start > slot:
                self.pacing_wait_s += self._next_start - slot
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
