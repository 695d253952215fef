"""The sanity guard: a partial track list must not deactivate the catalogue.

LiveRC's list is a rolling window: a few tracks leave each day (0 to 27 of ~1,090 seen).
A list that would deactivate more than ``1 - min_share_of_active`` of the active tracks,
or that has fewer than ``min_rows`` rows, is rejected and nothing is written.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_MIN_SHARE = 0.8
DEFAULT_MIN_ROWS = 1


@dataclass(frozen=True, slots=True)
class SanityGuard:
    """Thresholds a track list must meet before it may deactivate tracks.

    The Dagster resource sets them from ``TRACK_SYNC_GUARD_MIN_ROWS`` and
    ``TRACK_SYNC_GUARD_MIN_SHARE``; the defaults are 1 row and 0.8.
    """

    min_rows: int = DEFAULT_MIN_ROWS
    """The list must have at least this many (distinct) tracks."""
    min_share_of_active: float = DEFAULT_MIN_SHARE
    """At least this share of the currently active tracks must still be listed."""

    def __post_init__(self) -> None:
        if self.min_rows < 0:
            raise ValueError(f"min_rows must not be negative, got {self.min_rows}")
        if not 0.0 <= self.min_share_of_active <= 1.0:
            raise ValueError(
                f"min_share_of_active must be between 0 and 1, got {self.min_share_of_active}"
            )


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """Whether a track list passes the guard, with the figures behind the decision."""

    passes: bool
    active_count: int
    """Tracks active in the catalogue before this list."""
    listed_count: int
    """Distinct tracks in the list."""
    retained_count: int
    """Active tracks that are still listed."""
    share: float
    """``retained_count / active_count`` (1.0 when nothing is active yet)."""
    would_deactivate: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_guard(
    listed_keys: Collection[str], active_keys: Collection[str], guard: SanityGuard
) -> GuardVerdict:
    """Judge a list (its slug keys) against the active tracks (theirs)."""
    listed = set(listed_keys)
    active = set(active_keys)
    retained = len(active & listed)
    share = retained / len(active) if active else 1.0
    would_deactivate = len(active) - retained
    problems = []
    if len(listed) < guard.min_rows:
        problems.append(f"it has {len(listed)} tracks, fewer than the minimum {guard.min_rows}")
    if share < guard.min_share_of_active:
        problems.append(
            f"only {retained} of {len(active)} active tracks ({share:.1%}) are still listed, "
            f"below the minimum {guard.min_share_of_active:.1%}: "
            f"{would_deactivate} tracks would be deactivated"
        )
    if problems:
        message = "track list rejected by the sanity guard: " + "; ".join(problems)
    else:
        message = (
            f"track list accepted: {len(listed)} tracks, {retained} of {len(active)} active "
            f"still listed ({share:.1%}), {would_deactivate} to deactivate"
        )
    return GuardVerdict(
        passes=not problems,
        active_count=len(active),
        listed_count=len(listed),
        retained_count=retained,
        share=share,
        would_deactivate=would_deactivate,
        message=message,
    )
