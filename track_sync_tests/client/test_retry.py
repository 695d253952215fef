"""Backoff with full jitter, and Retry-After in seconds or as an HTTP date, capped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from track_sync_assets.liverc.client import (
    RETRYABLE_STATUSES,
    backoff_delay,
    parse_retry_after,
    retry_delay,
)

NOW = datetime(2025, 12, 16, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("header", "seconds"), [("0", 0.0), ("7", 7.0), (" 120 ", 120.0)])
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_retry_after_as_an_http_date_counts_from_now() -> None:
    assert parse_retry_after("Tue, 16 Dec 2025 12:00:30 GMT", NOW) == 30.0


def test_retry_after_in_the_past_means_no_wait() -> None:
    assert parse_retry_after("Tue, 16 Dec 2025 11:00:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5e9x"])
def test_missing_or_unparseable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_retry_after_is_honoured_up_to_its_cap() -> None:
    common = {"base_s": 1.0, "cap_s": 30.0, "retry_after_cap_s": 60.0}
    assert retry_delay(1, 12.0, **common) == 12.0
    assert retry_delay(1, 3600.0, **common) == 60.0


def test_without_retry_after_the_backoff_is_full_jitter_exponential() -> None:
    # rand() -> 1.0 gives the ceiling: base * 2^(attempt-1), capped.
    assert [backoff_delay(n, 1.0, 30.0, lambda: 1.0) for n in range(1, 7)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
    ]
    assert backoff_delay(3, 1.0, 30.0, lambda: 0.0) == 0.0
    assert backoff_delay(3, 1.0, 30.0, lambda: 0.5) == 2.0


def test_real_jitter_stays_within_its_ceiling_and_varies() -> None:
    delays = [backoff_delay(3, 1.0, 30.0) for _ in range(200)]
    assert all(0.0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 100


def test_the_retryable_statuses_are_exactly_429_and_the_transient_5xx() -> None:
    assert frozenset({429, 500, 502, 503, 504}) == RETRYABLE_STATUSES
