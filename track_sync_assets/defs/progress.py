"""A progress line at a steady interval (not per track) for long fetches.

The line goes to the run's log; a command running the step in its own process (``track-sync
sync``) also registers a listener and redraws it on the terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable

LISTENERS: list[Callable[[str, bool], None]] = []
"""Called with (line, finished) about once a second while a fetch runs in this process."""
LISTEN_EVERY_S = 1.0


class Progress:
    """Counts finished items and reports done/total, failures, rate and time left."""

    def __init__(self, total: int, interval_s: float, report: Callable[[str], None]) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self._interval_s = interval_s
        self._report = report
        self._started = time.monotonic()
        self._last = self._started
        self._heard = self._started

    def tick(self, *, failed: bool = False) -> None:
        self.done += 1
        self.failed += int(failed)
        now = time.monotonic()
        if now - self._last >= self._interval_s and self.done < self.total:
            self._last = now
            self._report(self.line(now))
        if LISTENERS and (now - self._heard >= LISTEN_EVERY_S or self.done == self.total):
            self._heard = now
            for listener in LISTENERS:
                listener(self.line(now), self.done == self.total)

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.done) / rate if rate > 0 else float("nan")
        eta = f"~{left:.0f} s left" if left == left else "time left unknown"
        return (
            f"progress: {self.done}/{self.total} dashboards, {self.failed} failed, "
            f"{rate:.1f}/s, {eta}"
        )
