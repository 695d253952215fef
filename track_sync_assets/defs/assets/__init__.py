"""The software-defined assets of one sync, upstream first."""

from track_sync_assets.defs.assets.dashboards import track_dashboards
from track_sync_assets.defs.assets.exports import track_catalogue_exports
from track_sync_assets.defs.assets.geocodes import track_geocodes
from track_sync_assets.defs.assets.report import track_sync_report
from track_sync_assets.defs.assets.track_list import liverc_track_list
from track_sync_assets.defs.assets.tracks import tracks

ALL_ASSETS = [
    liverc_track_list,
    track_dashboards,
    track_geocodes,
    tracks,
    track_catalogue_exports,
    track_sync_report,
]

__all__ = [
    "ALL_ASSETS",
    "liverc_track_list",
    "track_catalogue_exports",
    "track_dashboards",
    "track_geocodes",
    "track_sync_report",
    "tracks",
]
