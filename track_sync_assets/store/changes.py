"""Field-level change detection and the result of a sync.

A listed track is ``added``, ``reactivated`` (it was inactive), ``updated`` (a catalogue
field changed), ``refreshed`` (only volatile fields changed) or ``unchanged``; an active
track missing from the list is ``deactivated``. A track off the list whose fetched dashboard
changed a catalogue field is ``updated`` too, marked ``departed`` (it stays inactive).
Catalogue changes are reported field by field; volatile ones are only counted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from track_sync_assets.domain import CATALOGUE_FIELDS, TRACK_FIELDS, VOLATILE_FIELDS
from track_sync_assets.store.guard import GuardVerdict


class ChangeKind(StrEnum):
    """How one track fared in a sync."""

    ADDED = "added"
    UPDATED = "updated"
    REFRESHED = "refreshed"
    UNCHANGED = "unchanged"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"


CATALOGUE_COLUMNS: tuple[str, ...] = (
    "slug",
    *(name for name in TRACK_FIELDS if name in CATALOGUE_FIELDS),
)
"""Compared field by field and logged; ``slug`` is the published spelling of the key."""
VOLATILE_COLUMNS: tuple[str, ...] = tuple(name for name in TRACK_FIELDS if name in VOLATILE_FIELDS)
"""Compared, only counted."""


class FieldChange(NamedTuple):
    """One catalogue field's old and new value (a tuple: cheap for 100,000 new tracks)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class TrackChange:
    """What happened to one track, with its changed catalogue fields."""

    slug: str
    name: str
    kind: ChangeKind
    fields: tuple[FieldChange, ...] = ()
    departed: bool = False
    """Not on today's list: an inactive track's dashboard was applied to its row."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "kind": self.kind.value,
            "fields": [change._asdict() for change in self.fields],
            "departed": self.departed,
        }


@dataclass(frozen=True, slots=True)
class SyncResult:
    """The outcome of :meth:`CatalogueStore.apply_sync` (JSON-ready via :meth:`to_dict`)."""

    run_id: str
    source: str
    listed: int
    counts: Mapping[str, int]
    """Tracks per :class:`ChangeKind` value (every kind present, zeros included)."""
    changes: tuple[TrackChange, ...]
    """Added, updated, reactivated and deactivated tracks (refreshed ones are only counted)."""
    refreshed_fields: Mapping[str, int]
    """How many tracks had each volatile field refreshed."""
    guard: GuardVerdict
    rows_written: int
    """Track rows inserted or rewritten (a touched ``last_seen_at`` does not count)."""
    history_rows: int
    durations: Mapping[str, float]
    """Seconds per phase: ``load``, ``detect``, ``write``, ``total``."""
    duplicate_slugs: tuple[str, ...] = ()
    """Listings dropped because an earlier row had the same slug (case-insensitive)."""
    ignored_dashboards: tuple[str, ...] = ()
    """Dashboard inputs for slugs neither in today's list nor in the catalogue (not applied)."""
    added: tuple[str, ...] = field(init=False)
    updated: tuple[str, ...] = field(init=False)
    reactivated: tuple[str, ...] = field(init=False)
    deactivated: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        for kind in (
            ChangeKind.ADDED,
            ChangeKind.UPDATED,
            ChangeKind.REACTIVATED,
            ChangeKind.DEACTIVATED,
        ):
            slugs = tuple(change.slug for change in self.changes if change.kind is kind)
            object.__setattr__(self, kind.value, slugs)

    @property
    def refreshed(self) -> int:
        return self.counts[ChangeKind.REFRESHED.value]

    @property
    def changed(self) -> int:
        """Tracks with a reportable change (added, updated, reactivated, deactivated); a track
        that departed and changed in the same sync counts once."""
        return len({change.slug for change in self.changes})

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "source": self.source,
            "listed": self.listed,
            "counts": dict(self.counts),
            "added": list(self.added),
            "updated": list(self.updated),
            "reactivated": list(self.reactivated),
            "deactivated": list(self.deactivated),
            "refreshed": self.refreshed,
            "refreshed_fields": dict(self.refreshed_fields),
            "changes": [change.to_dict() for change in self.changes],
            "guard": self.guard.to_dict(),
            "rows_written": self.rows_written,
            "history_rows": self.history_rows,
            "durations": dict(self.durations),
            "duplicate_slugs": list(self.duplicate_slugs),
            "ignored_dashboards": list(self.ignored_dashboards),
        }


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One row of ``track_changes`` with its values decoded from JSON."""

    run_id: str
    source: str
    slug_key: str
    field: str | None
    """None for an added track: ``new_value`` then holds its catalogue record."""
    old_value: Any
    new_value: Any
    kind: ChangeKind
    changed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["changed_at"] = self.changed_at.isoformat()
        return data


def values_equal(old: Any, new: Any) -> bool:
    """Equality for stored vs new values (floats compared to 1e-9)."""
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, float) or isinstance(new, float):
        return math.isclose(old, new, rel_tol=0.0, abs_tol=1e-9)
    return bool(old == new)


def catalogue_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldChange]:
    """The catalogue fields whose value differs, in schema order."""
    return [
        FieldChange(name, old[name], new[name])
        for name in CATALOGUE_COLUMNS
        if not values_equal(old[name], new[name])
    ]


def volatile_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The volatile fields whose value differs."""
    return [name for name in VOLATILE_COLUMNS if not values_equal(old[name], new[name])]


def encode_value(value: Any) -> str | None:
    """A history value as JSON text (None stays SQL NULL)."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def decode_value(text: str | None) -> Any:
    return None if text is None else json.loads(text)
