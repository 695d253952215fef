"""Assemble the plan's per-track states from today's list and what the catalogue stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from track_sync_assets.domain import Activity
from track_sync_assets.refresh.plan import TrackState


class ListedRow(Protocol):
    """A row of today's list (``domain.TrackListing`` fits)."""

    @property
    def slug(self) -> str: ...

    @property
    def activity(self) -> Activity: ...

    @property
    def last_updated_text(self) -> str | None: ...


class StoredRow(Protocol):
    """What the catalogue knows of a track (``store.refresh_inputs.RefreshInput`` fits)."""

    @property
    def slug(self) -> str: ...

    @property
    def last_success_at(self) -> datetime | None: ...

    @property
    def last_attempt_failed(self) -> bool: ...

    @property
    def off_list_since(self) -> datetime | None: ...


def track_states(
    listings: Iterable[ListedRow], stored: Mapping[str, StoredRow]
) -> list[TrackState]:
    """One state per listed track and per stored track not listed today.

    ``stored`` is keyed by slug key. A listing repeated case-insensitively counts once (the
    first wins, as in the store). A stored track that is not listed and has no
    ``off_list_since`` left the list today.
    """
    states: dict[str, TrackState] = {}
    for listing in listings:
        key = listing.slug.lower()
        if key in states:
            continue
        known = stored.get(key)
        states[key] = TrackState(
            slug=listing.slug,
            listing=listing,
            last_success_at=known.last_success_at if known else None,
            last_attempt_failed=known.last_attempt_failed if known else False,
        )
    for key, known in stored.items():
        if key.lower() not in states:
            states[key.lower()] = TrackState(
                slug=known.slug,
                listing=None,
                last_success_at=known.last_success_at,
                last_attempt_failed=known.last_attempt_failed,
                off_list_since=known.off_list_since,
            )
    return list(states.values())
