"""LiveRC's relative texts are read conservatively: the most recent instant a text allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from track_sync_assets.refresh import age_window
from track_sync_assets.refresh.relative import CLOCK_MARGIN

LISTED = datetime(2025, 12, 16, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "youngest"),
    [
        ("1 minute ago", timedelta(seconds=30)),
        ("14 minutes ago", timedelta(minutes=13.5)),
        ("1 hour ago", timedelta(minutes=30)),
        ("3 hours ago", timedelta(hours=2.5)),
        ("23 hours ago", timedelta(hours=22.5)),
        ("Yesterday", timedelta(hours=23)),
        ("2 days ago", timedelta(days=1.5)),
        ("6 days ago", timedelta(days=5.5)),
        ("last week", timedelta(days=6)),
        ("2 weeks ago", timedelta(days=10.5)),
        ("last month", timedelta(days=15)),
        ("2 months ago", timedelta(days=45)),
        ("last year", timedelta(days=182)),
    ],
)
def test_each_wording_allows_activity_from_half_a_unit_below_its_number(
    text: str, youngest: timedelta
) -> None:
    window = age_window(text)
    assert window is not None and window.youngest == youngest
    assert window.latest(LISTED) == LISTED - youngest + CLOCK_MARGIN


@pytest.mark.parametrize(
    ("last_of_a_rung", "first_of_the_next"),
    [
        ("59 minutes ago", "1 hour ago"),
        ("23 hours ago", "Yesterday"),
        ("Yesterday", "2 days ago"),
        ("6 days ago", "last week"),
        ("last week", "2 weeks ago"),
        ("4 weeks ago", "last month"),
        ("last month", "2 months ago"),
        ("11 months ago", "last year"),
        ("last year", "2 years ago"),
    ],
)
def test_the_wordings_leave_no_age_uncovered(last_of_a_rung: str, first_of_the_next: str) -> None:
    """Where one wording can end, the next one can already have started (overlap, no gap)."""
    before, after = age_window(last_of_a_rung), age_window(first_of_the_next)
    assert before is not None and after is not None and before.oldest is not None
    assert after.youngest <= before.oldest


def test_case_and_spacing_do_not_matter_and_unknown_wording_is_none() -> None:
    assert age_window("  YESTERDAY ") == age_window("Yesterday")
    assert age_window("3  hours ago") == age_window("3 hours ago")
    for text in (None, "", "just now", "in 3 hours", "0 minutes ago", "3 fortnights ago"):
        assert age_window(text) is None
