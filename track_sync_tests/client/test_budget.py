"""The global politeness budget: rate and concurrency are never exceeded (measured)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from track_sync_assets.liverc.client import AdaptiveRate, PolitenessBudget

from .helpers import run


async def _hammer(
    budget: PolitenessBudget,
    requests: int,
    hold_s: float,
    host: str | None = None,
    interval: float = 0.0,
) -> tuple[list[float], int]:
    """Run ``requests`` tasks through the budget; return start times and peak concurrency."""
    starts: list[float] = []
    in_flight = 0
    peak = 0

    async def one() -> None:
        nonlocal in_flight, peak
        async with budget.slot(host, interval):
            starts.append(time.monotonic())
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(hold_s)
            in_flight -= 1

    await asyncio.gather(*(one() for _ in range(requests)))
    return sorted(starts), peak


def max_in_window(times: list[float], width: float) -> int:
    return max(sum(1 for t in times[i:] if t < start + width) for i, start in enumerate(times))


def test_request_starts_follow_a_schedule_one_over_the_rate_apart() -> None:
    starts, _ = run(_hammer(PolitenessBudget(max_concurrency=50, max_rps=100.0), 40, 0.0))
    # Start k is no earlier than k / rate after the first (less the loop's wake-up delay) ...
    assert all(t - starts[0] >= k * 0.01 - 0.002 for k, t in enumerate(starts))
    # ... so no window holds more than rate * width + 1 starts, and the rate is not wasted.
    assert max_in_window(starts, 0.1) <= 11
    assert max_in_window(starts, 0.05) <= 6
    assert starts[-1] - starts[0] < 39 * 0.01 * 1.2


def test_idle_time_earns_no_burst() -> None:
    async def go() -> list[float]:
        budget = PolitenessBudget(max_concurrency=50, max_rps=50.0)
        async with budget.slot():
            pass
        await asyncio.sleep(0.2)  # idle for 10 slots
        starts, _ = await _hammer(budget, 5, 0.0)
        return starts

    starts = run(go())
    assert all(t - starts[0] >= k * 0.02 - 0.002 for k, t in enumerate(starts))


def test_concurrency_is_never_exceeded_while_slots_are_held() -> None:
    budget = PolitenessBudget(max_concurrency=3, max_rps=1000.0)
    _, peak = run(_hammer(budget, 30, 0.02))
    assert peak == 3
    assert budget.max_in_flight == 3
    assert budget.in_flight == 0


def test_rate_and_concurrency_bound_the_wall_time_together() -> None:
    # 20 requests, 4 at a time, each held 50 ms: at least 5 rounds of 50 ms.
    started = time.monotonic()
    _starts, peak = run(_hammer(PolitenessBudget(max_concurrency=4, max_rps=1000.0), 20, 0.05))
    assert peak <= 4
    assert time.monotonic() - started >= 0.25 - 0.01


def test_a_host_interval_spaces_that_host_without_slowing_others() -> None:
    async def go() -> tuple[list[float], list[float]]:
        budget = PolitenessBudget(max_concurrency=10, max_rps=1000.0)
        slow, fast = await asyncio.gather(
            _hammer(budget, 4, 0.0, host="slow", interval=0.05),
            _hammer(budget, 20, 0.0, host="fast"),
        )
        return slow[0], fast[0]

    slow, fast = run(go())
    assert min(b - a for a, b in itertools.pairwise(slow)) >= 0.05 - 1e-4
    assert fast[-1] - fast[0] < 0.1  # not held up by the slow host's delay


def test_a_lower_rate_slows_the_pacing_down() -> None:
    async def go() -> list[float]:
        budget = PolitenessBudget(max_concurrency=5, max_rps=200.0, min_rps=1.0)
        async with budget.slot():
            pass
        budget.rate.decrease()  # 200 -> 100 rps
        budget.rate.decrease()  # -> 50 rps
        starts, _ = await _hammer(budget, 6, 0.0)
        return starts

    starts = run(go())
    assert all(t - starts[0] >= k * 0.02 - 0.002 for k, t in enumerate(starts))


def test_invalid_budgets_are_rejected() -> None:
    with pytest.raises(ValueError):
        PolitenessBudget(max_concurrency=0, max_rps=1.0)
    with pytest.raises(ValueError):
        AdaptiveRate(max_rps=1.0, min_rps=2.0)
