"""Reading the simulator's request log: arrival rates, windows, overlaps."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from track_sync_assets.liverc.client import ClientSettings
from track_sync_assets.simulator import RequestRecord, Simulator

from .helpers import fast_settings


def host_settings(sim: Simulator, **overrides: Any) -> ClientSettings:
    """Every track its own origin (``{slug}.liverc.test``), as on the real LiveRC."""
    return fast_settings(
        list_url=sim.host_list_url,
        track_url_template=sim.host_track_url_template,
        resolve=sim.resolve,
        **overrides,
    )


def path_settings(sim: Simulator, **overrides: Any) -> ClientSettings:
    """Every track under one origin (``/tracks/{slug}/``)."""
    return fast_settings(
        list_url=sim.list_url, track_url_template=sim.track_url_template, **overrides
    )


def settled_log(sim: Simulator, expected: int) -> list[RequestRecord]:
    """The log once the server has recorded ``expected`` requests (it records after writing)."""
    deadline = time.monotonic() + 3.0
    while len(sim.request_log) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return sim.request_log


def max_in_window(times: Sequence[float], width: float) -> int:
    """The most of ``times`` (sorted) in any half-open window of ``width`` seconds."""
    return max(sum(1 for t in times[i:] if t < start + width) for i, start in enumerate(times))


def count_between(times: Sequence[float], start: float, end: float) -> int:
    return sum(1 for t in times if start <= t < end)


def max_overlap(log: Sequence[RequestRecord]) -> int:
    """The most requests open at once at the server (head read, answer not yet written)."""
    return max(sum(1 for o in log if o.time <= r.time < o.end_time) for r in log)


ARRIVAL_JITTER_S = 0.06
"""How much later than sent a request may be read by the in-process server (one GIL, a
loaded 2-core machine): a late arrival followed by a punctual one looks closer together
(seen in CI: 9 starts within 0.22 s at 30 requests/s). A client without the cap is still
caught: it starts dozens of requests in any such window."""


def assert_caps(log: Sequence[RequestRecord], settings: ClientSettings) -> None:
    """Never more than ``max_concurrency`` open, no window of W s over floor(W x rps) + 1
    (windows narrowed by the arrival jitter)."""
    assert max_overlap(log) <= settings.max_concurrency
    arrivals = sorted(r.time for r in log)
    for width in (0.25, 0.5, 1.0, 2.0):
        bound = int(width * settings.max_rps) + 1
        seen = max_in_window(arrivals, width - ARRIVAL_JITTER_S)
        assert seen <= bound, f"{seen} request starts in a window of {width} s (cap {bound})"
