"""Telling LiveRC-wide pressure from one track's trouble, and the adaptive global rate.

On the real LiveRC every track is its own host: one club's broken page is not LiveRC
asking everyone to slow down. So:

- a 429 from any host is LiveRC saying "too fast": the global rate is cut at once;
- 503s and timeouts cut it only when they are a high *share* of the recent answers
  (a sliding window of the last N) *and* come from many distinct URLs;
- any other 5xx, a reset or a lone 503 is that track's problem: the track is retried
  with backoff (see :mod:`~track_sync_assets.liverc.client.retry`); the rate is untouched.

A cut halves the rate (down to a floor) at most once per congestion episode: only
answers to requests started after the last cut can cut again. The rate then climbs back
linearly with time while answers arrive without pressure.
"""

from __future__ import annotations

import enum
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


class Signal(enum.Enum):
    """What one answer says about LiveRC as a whole."""

    GOOD = "good"
    """Any answer that is not an error of the server (2xx, 3xx, 4xx but 429)."""
    THROTTLED = "throttled"
    """429: LiveRC-wide pressure by itself."""
    OVERLOADED = "overloaded"
    """503 or a timeout: pressure when many tracks say it at once."""
    TRACK_ERROR = "track_error"
    """Other 5xx, a reset, a cut body: that track's problem only."""


class AdaptiveRate:
    """The global request rate: halved at once under pressure, recovered linearly over time."""

    def __init__(
        self,
        max_rps: float,
        min_rps: float,
        *,
        recovery_s: float = 30.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if not 0 < min_rps <= max_rps:
            raise ValueError(f"need 0 < min_rps <= max_rps, got {min_rps} and {max_rps}")
        if recovery_s <= 0:
            raise ValueError(f"recovery_s must be positive, got {recovery_s}")
        self.max_rps = max_rps
        self.min_rps = min_rps
        self.recovery_per_s = max_rps / recovery_s
        self._clock = clock
        self._rate = max_rps
        self._anchor = clock()
        self.last_decrease_at = float("-inf")
        self.decreases = 0

    @property
    def rate(self) -> float:
        return self._rate

    def decrease(self) -> bool:
        """Halve the rate (not below the floor); True if it dropped."""
        now = self._clock()
        self.last_decrease_at = self._anchor = now
        new_rate = max(self.min_rps, self._rate / 2)
        dropped = new_rate < self._rate
        self._rate = new_rate
        self.decreases += int(dropped)
        return dropped

    def recover(self) -> None:
        """An answer without pressure: climb by the time elapsed since the last change."""
        now = self._clock()
        if self._rate < self.max_rps:
            gained = (now - self._anchor) * self.recovery_per_s
            self._rate = min(self.max_rps, self._rate + gained)
        self._anchor = now


@dataclass(frozen=True, slots=True)
class _Seen:
    target: str
    pressure: bool


class CongestionControl:
    """Watches every answer and cuts the :class:`AdaptiveRate` on LiveRC-wide pressure only."""

    def __init__(
        self,
        rate: AdaptiveRate,
        *,
        window: int = 50,
        share: float = 0.25,
        min_targets: int = 5,
        enabled: bool = True,
    ) -> None:
        self.rate = rate
        self.share = share
        self.min_targets = min_targets
        self.min_samples = 2 * min_targets
        self.enabled = enabled
        self._window: deque[_Seen] = deque(maxlen=window)
        self.signals: Counter[str] = Counter()
        self.decreases_by_cause: Counter[str] = Counter()

    def observe(self, target: str, started_at: float, signal: Signal) -> bool:
        """Record the answer to a request to ``target`` started at ``started_at``.

        Returns True when the rate was cut. Answers to requests started before the last
        cut belong to that episode: they neither cut again nor fill the window.
        """
        self.signals[signal.value] += 1
        if not self.enabled:
            return False
        if signal is Signal.GOOD:
            self.rate.recover()
        if started_at <= self.rate.last_decrease_at:
            return False
        if signal is Signal.THROTTLED:
            return self._cut("429")
        self._window.append(_Seen(target, signal is Signal.OVERLOADED))
        if signal is Signal.OVERLOADED and self._under_pressure():
            return self._cut("overload")
        return False

    def _under_pressure(self) -> bool:
        seen = len(self._window)
        if seen < self.min_samples:
            return False
        targets = {s.target for s in self._window if s.pressure}
        hits = sum(s.pressure for s in self._window)
        return hits / seen >= self.share and len(targets) >= self.min_targets

    def _cut(self, cause: str) -> bool:
        self._window.clear()
        dropped = self.rate.decrease()
        self.decreases_by_cause[cause] += int(dropped)
        return dropped

    def stats(self) -> dict[str, object]:
        return {
            "rate_rps": round(self.rate.rate, 3),
            "decreases": self.rate.decreases,
            "decreases_by_cause": dict(sorted(self.decreases_by_cause.items())),
            "signals": dict(sorted(self.signals.items())),
        }
