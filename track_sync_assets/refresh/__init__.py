"""The refresh plan: which track dashboards a sync fetches, and why (pure; see docs/refresh.md).

No Dagster, no HTTP, no environment: the Dagster layer reads the settings and the stored
state, calls :func:`plan_refresh` and fetches :attr:`RefreshPlan.due`.
"""

from __future__ import annotations

from track_sync_assets.refresh.inputs import track_states
from track_sync_assets.refresh.plan import (
    Decision,
    Reason,
    RefreshPlan,
    RefreshSettings,
    Skip,
    TrackState,
    plan_refresh,
    rolling_slot,
)
from track_sync_assets.refresh.relative import AgeWindow, age_window

__all__ = [
    "AgeWindow",
    "Decision",
    "Reason",
    "RefreshPlan",
    "RefreshSettings",
    "Skip",
    "TrackState",
    "age_window",
    "plan_refresh",
    "rolling_slot",
    "track_states",
]
