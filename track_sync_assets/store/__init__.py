"""The catalogue store: the database layer of track-sync (SQLite or PostgreSQL).

Knows nothing of HTTP or Dagster. Everything goes through :class:`CatalogueStore`;
see docs/store.md for the schema and the write-path rules.
"""

from __future__ import annotations

from track_sync_assets.store.catalogue import CatalogueStore
from track_sync_assets.store.changes import (
    ChangeKind,
    FieldChange,
    HistoryEntry,
    SyncResult,
    TrackChange,
)
from track_sync_assets.store.engine import (
    create_catalogue_engine,
    default_database_url,
    normalize_database_url,
    project_root,
    resolve_database_url,
)
from track_sync_assets.store.errors import StoreError, SyncInProgress, TrackListRejected
from track_sync_assets.store.guard import GuardVerdict, SanityGuard, evaluate_guard
from track_sync_assets.store.raw import DashboardState, TrackListSnapshot
from track_sync_assets.store.refresh_inputs import RefreshInput
from track_sync_assets.store.runs import RunStatus, SyncRun

__all__ = [
    "CatalogueStore",
    "ChangeKind",
    "DashboardState",
    "FieldChange",
    "GuardVerdict",
    "HistoryEntry",
    "RefreshInput",
    "RunStatus",
    "SanityGuard",
    "StoreError",
    "SyncInProgress",
    "SyncResult",
    "SyncRun",
    "TrackChange",
    "TrackListRejected",
    "TrackListSnapshot",
    "create_catalogue_engine",
    "default_database_url",
    "evaluate_guard",
    "normalize_database_url",
    "project_root",
    "resolve_database_url",
]
