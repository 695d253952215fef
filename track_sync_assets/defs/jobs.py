"""The three jobs of one sync; each carries the lane tag (one sync at a time)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from track_sync_assets.defs.assets import (
    liverc_track_list,
    track_dashboards,
    track_geocodes,
    track_sync_report,
    tracks,
)
from track_sync_assets.defs.checks import dashboard_failure_share
from track_sync_assets.defs.tags import LANE_TAG, LANE_VALUE

LANE = {LANE_TAG: LANE_VALUE}

track_list_job = define_asset_job(
    "track_list_job",
    selection=AssetSelection.assets(liverc_track_list),
    description="Fetch LiveRC's track list; register new tracks; blocking sanity guard.",
    tags=LANE,
)

dashboards_job = define_asset_job(
    "dashboards_job",
    selection=AssetSelection.assets(track_dashboards).without_checks(),
    description="Fetch every track's dashboard in one run (one partition per track).",
    tags=LANE,
)

catalogue_job = define_asset_job(
    "catalogue_job",
    selection=(
        AssetSelection.assets(track_geocodes, tracks, track_sync_report)
        | AssetSelection.checks(dashboard_failure_share)
    ),
    description="Geocode, upsert the catalogue, check it and write the change report.",
    tags=LANE,
)

ALL_JOBS = [track_list_job, dashboards_job, catalogue_job]
