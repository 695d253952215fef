"""What the client did during a run, JSON-ready for Dagster metadata and reports."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from typing import Any


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of already sorted values (None when empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class ClientStats:
    """Counters accumulated by one :class:`~track_sync_assets.liverc.client.LiveRCClient`.

    The politeness components (stop check, allowlist, robots.txt, budget, congestion
    control, retries, body cap) register their own ``stats()`` in :attr:`components`.
    """

    def __init__(self) -> None:
        self.started_monotonic: float | None = None
        self.finished_monotonic: float | None = None
        self.requests = 0
        self.requests_by_kind: Counter[str] = Counter()
        self.responses_by_status: Counter[int] = Counter()
        self.transport_errors: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.redirects = 0
        self.bytes_received = 0
        self.robots_fetches = 0
        self.latencies_s: list[float] = []
        self.components: dict[str, Callable[[], dict[str, Any]]] = {}

    def start(self) -> None:
        if self.started_monotonic is None:
            self.started_monotonic = time.monotonic()

    def finish(self) -> None:
        self.finished_monotonic = time.monotonic()

    def record_request(self, kind: str) -> None:
        self.requests += 1
        self.requests_by_kind[kind] += 1
        if kind == "robots":
            self.robots_fetches += 1

    def record_response(self, status_code: int, size: int, latency_s: float) -> None:
        self.responses_by_status[status_code] += 1
        self.bytes_received += size
        self.latencies_s.append(latency_s)

    def record_transport_error(self, error: BaseException, latency_s: float) -> None:
        self.transport_errors[type(error).__name__] += 1
        self.latencies_s.append(latency_s)

    def record_outcome(self, outcome: str) -> None:
        self.outcomes[outcome] += 1

    @property
    def wall_time_s(self) -> float:
        if self.started_monotonic is None:
            return 0.0
        end = self.finished_monotonic or time.monotonic()
        return end - self.started_monotonic

    def snapshot(self) -> dict[str, Any]:
        """Plain JSON types only (str keys, numbers, nested dicts)."""
        latencies = sorted(self.latencies_s)
        parts = {name: stats() for name, stats in sorted(self.components.items())}
        congestion = parts.get("congestion", {})

        def ms(value: float | None) -> float | None:
            return None if value is None else round(value * 1000, 1)

        return {
            "requests": self.requests,
            "requests_by_kind": dict(sorted(self.requests_by_kind.items())),
            "responses_by_status": {str(k): v for k, v in sorted(self.responses_by_status.items())},
            "transport_errors": dict(sorted(self.transport_errors.items())),
            "outcomes": dict(sorted(self.outcomes.items())),
            "retries": parts.get("retry", {}).get("retries", 0),
            "redirects": self.redirects,
            "bytes_received": self.bytes_received,
            "robots_fetches": self.robots_fetches,
            "rate_decreases": congestion.get("decreases", 0),
            "final_rate_rps": congestion.get("rate_rps"),
            "max_in_flight": parts.get("budget", {}).get("max_in_flight", 0),
            "latency_ms": {
                "p50": ms(percentile(latencies, 0.50)),
                "p95": ms(percentile(latencies, 0.95)),
                "p99": ms(percentile(latencies, 0.99)),
                "max": ms(latencies[-1] if latencies else None),
            },
            "wall_time_s": round(self.wall_time_s, 3),
            "politeness": parts,
        }
