"""When to retry and how long to wait: exponential backoff with full jitter, Retry-After."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRYABLE_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
THROTTLE_STATUSES: frozenset[int] = frozenset({429, 503})
"""Answers that mean "too fast": they also slow the global rate down."""

RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,  # connect/read/write/close errors
    httpx.RemoteProtocolError,  # incomplete body, connection dropped mid-response
    TimeoutError,  # the per-request cap (asyncio.timeout)
)


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUSES


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    Returns None when absent or unparseable; a date in the past gives 0.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" dates: RFC 9110 dates are always GMT
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def backoff_delay(
    attempt: int, base_s: float, cap_s: float, rand: Callable[[], float] = random.random
) -> float:
    """Full-jitter backoff before retry number ``attempt`` (1 = first retry).

    Uniform in ``[0, min(cap, base * 2 ** (attempt - 1))]``.
    """
    ceiling = min(cap_s, base_s * 2 ** (attempt - 1))
    return rand() * ceiling


def retry_delay(
    attempt: int,
    retry_after_s: float | None,
    *,
    base_s: float,
    cap_s: float,
    retry_after_cap_s: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """The wait before retry ``attempt``: Retry-After (capped) when given, else backoff."""
    if retry_after_s is not None:
        return min(retry_after_s, retry_after_cap_s)
    return backoff_delay(attempt, base_s, cap_s, rand)


class RetryPolicy:
    """How many attempts a request gets and how long each retry waits; counts both."""

    def __init__(
        self,
        max_attempts: int,
        *,
        base_s: float,
        cap_s: float,
        retry_after_cap_s: float,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.max_attempts = max_attempts
        self._base_s = base_s
        self._cap_s = cap_s
        self._retry_after_cap_s = retry_after_cap_s
        self._rand = rand
        self.retries = 0
        self.waited_s = 0.0

    def delay(self, attempt: int, retry_after: str | None) -> float:
        """The wait before retry ``attempt`` (1 = first retry), counted as one retry."""
        wait = retry_delay(
            attempt,
            parse_retry_after(retry_after),
            base_s=self._base_s,
            cap_s=self._cap_s,
            retry_after_cap_s=self._retry_after_cap_s,
            rand=self._rand,
        )
        self.retries += 1
        self.waited_s += wait
        return wait

    def stats(self) -> dict[str, object]:
        return {"retries": self.retries, "waited_s": round(self.waited_s, 3)}
