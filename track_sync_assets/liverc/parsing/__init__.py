"""Exact parsers for LiveRC's pages: the track list and a track's dashboard.

They know LiveRC's markup only (no HTTP, no database): text in, domain models
out, or a :class:`LiveRCParseError` naming what the page lacks.
"""

from __future__ import annotations

from track_sync_assets.domain import RejectedRow
from track_sync_assets.liverc.parsing.dashboard import parse_dashboard
from track_sync_assets.liverc.parsing.errors import (
    DashboardStructureError,
    LiveRCParseError,
    TrackListRowError,
    TrackListStructureError,
)
from track_sync_assets.liverc.parsing.track_list import (
    TrackListParse,
    parse_track_list,
    parse_track_list_rows,
    track_url,
)

__all__ = [
    "DashboardStructureError",
    "LiveRCParseError",
    "RejectedRow",
    "TrackListParse",
    "TrackListRowError",
    "TrackListStructureError",
    "parse_dashboard",
    "parse_track_list",
    "parse_track_list_rows",
    "track_url",
]
