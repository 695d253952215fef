"""LiveRC's relative "last updated" texts read as a window of instants, conservatively.

The list shows only relative English text (``3 hours ago``, ``Yesterday``, ``last week``...),
computed by LiveRC when it rendered the list. A text places the track's last activity
between a *youngest* and an *oldest* age. Formatters floor or round, never round up, so the
youngest age of ``N units ago`` is taken as ``N - 0.5`` units; the wide texts (``last
week``, ``last month``...) start where the rung below them can end. See docs/refresh.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

CLOCK_MARGIN = timedelta(minutes=10)
"""Added to the latest possible instant: LiveRC's clock and ours may disagree a little."""

_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
_MONTH = timedelta(days=30)
_YEAR = timedelta(days=365)
_UNITS = {"minute": _MINUTE, "hour": _HOUR, "day": _DAY, "week": _WEEK, "month": _MONTH,
          "year": _YEAR}  # fmt: skip

_NUMBERED = re.compile(r"(\d{1,4}) (minute|hour|day|week|month|year)s? ago")
_WORDS: dict[str, tuple[timedelta, timedelta | None]] = {
    # text: (youngest age, oldest age or None for unbounded)
    "yesterday": (timedelta(hours=23), 2 * _DAY + _HOUR),
    "last week": (6 * _DAY, 14 * _DAY + 12 * _HOUR),
    "last month": (15 * _DAY, 60 * _DAY + 15 * _DAY),
    "last year": (182 * _DAY, 2 * _YEAR + _MONTH),
}


@dataclass(frozen=True, slots=True)
class AgeWindow:
    """The ages a relative text allows: the activity was ``youngest..oldest`` ago."""

    youngest: timedelta
    oldest: timedelta | None
    """None: no upper bound."""

    def latest(self, listed_at: datetime) -> datetime:
        """The most recent instant the activity can have happened (clock margin included)."""
        return listed_at - self.youngest + CLOCK_MARGIN

    def earliest(self, listed_at: datetime) -> datetime | None:
        """The oldest instant the activity can have happened; None when unbounded."""
        return None if self.oldest is None else listed_at - self.oldest


def age_window(text: str | None) -> AgeWindow | None:
    """The ages ``text`` allows, or None when the text is not LiveRC's known wording.

    >>> age_window("3 hours ago").youngest
    datetime.timedelta(seconds=9000)
    """
    if text is None:
        return None
    normal = " ".join(text.split()).lower()
    if normal in _WORDS:
        youngest, oldest = _WORDS[normal]
        return AgeWindow(youngest, oldest)
    match = _NUMBERED.fullmatch(normal)
    if match is None:
        return None
    count, unit = int(match.group(1)), _UNITS[match.group(2)]
    if count < 1:
        return None
    return AgeWindow(max(unit * (count - 0.5), timedelta(0)), unit * (count + 1))
