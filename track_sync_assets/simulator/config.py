"""The simulator's settings and its latency model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

from track_sync_assets.simulator.faults import FaultSpec, unit_hash

_P95_Z = NormalDist().inv_cdf(0.95)


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything that shapes one simulator run (the pages follow from seed, tracks, day)."""

    tracks: int = 1090
    """Rows on the track list (it drifts by up to 10 below this as days pass)."""
    day: int = 1
    seed: int = 1
    latency_median_ms: float = 0.0
    latency_p95_ms: float | None = None
    """With a p95, latencies are log-normal; without, every response waits the median."""
    faults: FaultSpec = field(default_factory=FaultSpec)
    robots_disallow: tuple[str, ...] = ()
    """Slugs whose dashboard robots.txt disallows."""
    crawl_delay: float | None = None
    port: int = 0
    """0 picks a free port."""
    host: str = "127.0.0.1"
    log_path: Path | None = None
    """Append every request as a JSON line to this file."""
    change_rate: float = 0.003
    """Daily share of listed tracks changing a catalogue field (independent of activity)."""

    def __post_init__(self) -> None:
        if self.tracks < 1:
            raise ValueError(f"tracks must be at least 1, not {self.tracks}")
        if self.day < 1:
            raise ValueError(f"days start at 1, not {self.day}")
        if self.latency_median_ms < 0:
            raise ValueError("the latency median cannot be negative")
        if self.latency_p95_ms is not None and self.latency_p95_ms < self.latency_median_ms:
            raise ValueError("the latency p95 cannot be below the median")
        if self.crawl_delay is not None and self.crawl_delay < 0:
            raise ValueError("the crawl delay cannot be negative")
        if not 0 <= self.change_rate <= 1:
            raise ValueError(f"change_rate must be between 0 and 1, not {self.change_rate}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port {self.port} is out of range")

    def latency_s(self, key: str, attempt: int) -> float:
        """The delay before answering request ``attempt`` of ``key`` (reproducible)."""
        median = self.latency_median_ms / 1000.0
        if median <= 0:
            return 0.0
        if self.latency_p95_ms is None or self.latency_p95_ms == self.latency_median_ms:
            return median
        sigma = math.log(self.latency_p95_ms / self.latency_median_ms) / _P95_Z
        draw = min(max(unit_hash(self.seed, key, attempt, "latency"), 1e-9), 1 - 1e-9)
        return median * math.exp(sigma * NormalDist().inv_cdf(draw))
