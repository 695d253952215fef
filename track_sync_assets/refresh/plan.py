"""The refresh plan: which dashboards a sync fetches today, and why (a pure function).

Rules (issue 10 §1, docs/refresh.md), in order of precedence, one reason per due track:

* ``new``: never fetched successfully;
* ``failed``: the last attempt failed (in the catalogue, or its Dagster partition is FAILED);
* ``active``: racing or practising now, or the relative text allows activity after the last
  successful fetch (listed tracks only);
* ``rolling``: the track's day in the ``max_age_days`` cycle (a stable hash of the slug), or
  its last successful fetch is older than ``max_age_days`` (catch-up);
* ``departed``: off the list, on the rolling rule only, never once off the list for longer
  than ``departed_refresh_days``;
* ``forced``: a full refresh was asked for (listed tracks and departed ones in the window).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from track_sync_assets.domain import Activity
from track_sync_assets.refresh.relative import age_window


class Reason(StrEnum):
    """Why a track's dashboard is fetched today."""

    NEW = "new"
    FAILED = "failed"
    ACTIVE = "active"
    ROLLING = "rolling"
    DEPARTED = "departed"
    FORCED = "forced"


class Skip(StrEnum):
    """Why a track's dashboard is not fetched today."""

    NOT_DUE = "not_due"
    """Listed, no activity since the last fetch, not its rolling day."""
    DEPARTED_NOT_DUE = "departed_not_due"
    """Off the list within the refresh window, not its rolling day."""
    DEPARTED_EXPIRED = "departed_expired"
    """Off the list for longer than ``departed_refresh_days``: no longer refreshed."""


class ListingLike(Protocol):
    """What the plan reads from a track-list row (``domain.TrackListing`` fits)."""

    @property
    def activity(self) -> Activity: ...

    @property
    def last_updated_text(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class TrackState:
    """Everything the plan knows about one track."""

    slug: str
    listing: ListingLike | None
    """Its row in today's list; None when it is not listed today."""
    last_success_at: datetime | None = None
    """When its dashboard was last fetched successfully (200 or 304); None: never."""
    last_attempt_failed: bool = False
    off_list_since: datetime | None = None
    """When it left the list; None while unlisted means it left today."""

    @property
    def slug_key(self) -> str:
        return self.slug.lower()


@dataclass(frozen=True, slots=True)
class RefreshSettings:
    """The plan's knobs (the Dagster layer reads them from the environment / run config)."""

    max_age_days: int = 7
    departed_refresh_days: int = 30
    forced: bool = False

    def __post_init__(self) -> None:
        if self.max_age_days < 1:
            raise ValueError(f"max_age_days must be at least 1, not {self.max_age_days}")
        if self.departed_refresh_days < 0:
            raise ValueError("departed_refresh_days cannot be negative")


@dataclass(frozen=True, slots=True)
class Decision:
    """One track's decision: due with one :class:`Reason`, or skipped with a :class:`Skip`."""

    slug: str
    reason: Reason | Skip
    detail: str
    """A human sentence, e.g. ``active: "3 hours ago" allows activity after the last fetch``."""

    @property
    def due(self) -> bool:
        return isinstance(self.reason, Reason)

    @property
    def slug_key(self) -> str:
        return self.slug.lower()

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "due": self.due, "reason": self.reason.value,
                "detail": self.detail}  # fmt: skip


@dataclass(frozen=True)
class RefreshPlan:
    """The day's decisions, sorted by slug key, with their counts."""

    now: datetime
    list_fetched_at: datetime
    settings: RefreshSettings
    decisions: tuple[Decision, ...]
    _by_key: dict[str, Decision] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {d.slug_key: d for d in self.decisions})

    def __getitem__(self, slug: str) -> Decision:
        return self._by_key[slug.lower()]

    def __len__(self) -> int:
        return len(self.decisions)

    @property
    def due(self) -> tuple[str, ...]:
        """Slug keys to fetch, sorted."""
        return tuple(d.slug_key for d in self.decisions if d.due)

    @property
    def skipped(self) -> tuple[str, ...]:
        return tuple(d.slug_key for d in self.decisions if not d.due)

    @property
    def counts(self) -> dict[str, int]:
        """Tracks per reason and per skip kind (every key present, zeros included)."""
        found = Counter(d.reason.value for d in self.decisions)
        return {key.value: found[key.value] for key in (*Reason, *Skip)}

    def summary(self) -> str:
        """One line: ``412 of 1,130 due (new 3, active 360, rolling 49); 718 skipped (...)``."""
        counts = self.counts
        due = [f"{r.value} {counts[r.value]:,}" for r in Reason if counts[r.value]]
        skip = [f"{s.value} {counts[s.value]:,}" for s in Skip if counts[s.value]]
        text = f"{len(self.due):,} of {len(self):,} due"
        text += f" ({', '.join(due)})" if due else ""
        text += f"; {len(self.skipped):,} skipped"
        return text + (f" ({', '.join(skip)})" if skip else "")

    def to_dict(self, *, decisions: bool = True) -> dict[str, Any]:
        """A JSON-able form for run metadata (``decisions=False``: counts and due keys only)."""
        data: dict[str, Any] = {
            "now": self.now.isoformat(),
            "list_fetched_at": self.list_fetched_at.isoformat(),
            "settings": {
                "max_age_days": self.settings.max_age_days,
                "departed_refresh_days": self.settings.departed_refresh_days,
                "forced": self.settings.forced,
            },
            "summary": self.summary(),
            "counts": self.counts,
            "due": list(self.due),
        }
        if decisions:
            data["decisions"] = [d.to_dict() for d in self.decisions]
        return data


def rolling_slot(slug: str, max_age_days: int) -> int:
    """The track's day in the rolling cycle, ``0..max_age_days-1`` (stable across runs)."""
    digest = hashlib.blake2b(slug.lower().encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % max_age_days


def cycle_day(day: date, max_age_days: int) -> int:
    """The cycle position of a calendar day (days since 1970-01-01, modulo the cycle)."""
    return (day - date(1970, 1, 1)).days % max_age_days


def plan_refresh(
    tracks: Iterable[TrackState],
    *,
    now: datetime,
    list_fetched_at: datetime | None = None,
    settings: RefreshSettings | None = None,
    failed_keys: Collection[str] = (),
) -> RefreshPlan:
    """Decide, per track, whether its dashboard is due today, with one reason.

    ``now`` fixes the day (UTC) of the rolling cycle and the ages; ``list_fetched_at`` (default
    ``now``) anchors the relative texts; ``failed_keys`` are slug keys whose last attempt failed
    by another account (Dagster's FAILED partitions). Equal inputs give equal plans.
    """
    settings = settings or RefreshSettings()
    now = _aware(now)
    listed_at = _aware(list_fetched_at) if list_fetched_at is not None else now
    failed = {key.lower() for key in failed_keys}
    states = sorted(tracks, key=lambda s: s.slug_key)
    keys = [s.slug_key for s in states]
    if len(set(keys)) != len(keys):
        duplicates = sorted(k for k, n in Counter(keys).items() if n > 1)
        raise ValueError(f"tracks given twice: {', '.join(duplicates[:5])}")
    rules = _Rules(now, listed_at, settings)
    decisions = tuple(
        rules.decide(s, s.last_attempt_failed or s.slug_key in failed) for s in states
    )
    return RefreshPlan(now, listed_at, settings, decisions)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _Rules:
    def __init__(self, now: datetime, listed_at: datetime, settings: RefreshSettings) -> None:
        self.now = now
        self.listed_at = listed_at
        self.settings = settings
        self.today = now.date()
        self.day_start = datetime(now.year, now.month, now.day, tzinfo=UTC)
        self.max_age = timedelta(days=settings.max_age_days)

    def decide(self, state: TrackState, failed: bool) -> Decision:
        slug, last = state.slug, _optional_aware(state.last_success_at)
        listed = state.listing is not None
        off_days = 0
        if not listed:
            off_since = _optional_aware(state.off_list_since) or self.listed_at
            off_for = self.now - off_since
            off_days = max(off_for.days, 0)
            if off_for > timedelta(days=self.settings.departed_refresh_days):
                return Decision(slug, Skip.DEPARTED_EXPIRED,
                                f"departed {off_days} days ago: no longer refreshed")  # fmt: skip
        if last is None:
            return Decision(slug, Reason.NEW, "new: never fetched successfully")
        if failed:
            return Decision(slug, Reason.FAILED, "failed: the last attempt failed")
        if state.listing is not None:
            active = self._activity(state.listing, last)
            if active:
                return Decision(slug, Reason.ACTIVE, f"active: {active}")
        rolling = self._rolling(slug, last)
        if rolling:
            reason = Reason.ROLLING if listed else Reason.DEPARTED
            prefix = "rolling" if listed else f"departed {off_days} days ago, rolling"
            return Decision(slug, reason, f"{prefix}: {rolling}")
        if self.settings.forced:
            return Decision(slug, Reason.FORCED, "forced: a full refresh was asked for")
        next_day = self._next_slot(slug)
        age = (self.today - last.date()).days
        cycle = f"rolling refresh on day {age} of {self.settings.max_age_days}, next {next_day}"
        if listed:
            detail = f"not due: no activity since last fetch {last.date()}; {cycle}"
            return Decision(slug, Skip.NOT_DUE, detail)
        return Decision(slug, Skip.DEPARTED_NOT_DUE, f"departed {off_days} days ago: {cycle}")

    def _activity(self, listing: ListingLike, last: datetime) -> str | None:
        if listing.activity in (Activity.RACING, Activity.PRACTISING):
            return f"{listing.activity.value} now"
        text = listing.last_updated_text
        window = age_window(text)
        if window is None:
            return f"unrecognised 'last updated' text {text!r} (taken as activity)"
        if window.latest(self.listed_at) > last:
            return f"{text!r} allows activity after the last fetch {_minute(last)}"
        return None

    def _rolling(self, slug: str, last: datetime) -> str | None:
        if self.now - last > self.max_age:
            return f"last fetch {_minute(last)} is older than {self.settings.max_age_days} days"
        slot = rolling_slot(slug, self.settings.max_age_days)
        if slot == cycle_day(self.today, self.settings.max_age_days) and last < self.day_start:
            return f"its day in the {self.settings.max_age_days}-day cycle"
        return None

    def _next_slot(self, slug: str) -> date:
        cycle = self.settings.max_age_days
        ahead = (rolling_slot(slug, cycle) - cycle_day(self.today, cycle)) % cycle
        return self.today + timedelta(days=ahead or cycle)


def _optional_aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
