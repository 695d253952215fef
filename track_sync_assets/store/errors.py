"""Errors the catalogue store raises on purpose."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from track_sync_assets.store.guard import GuardVerdict


class StoreError(Exception):
    """Base class of the store's deliberate errors."""


class SyncInProgress(StoreError):
    """Another sync holds the catalogue's lock and did not release it in time."""


class TrackListRejected(StoreError):
    """Today's track list failed the sanity guard: nothing was written."""

    def __init__(self, verdict: GuardVerdict) -> None:
        super().__init__(verdict.message)
        self.verdict = verdict


class CatalogueUnavailable(StoreError):
    """The catalogue database cannot be used safely (its file vanished or was replaced)."""
