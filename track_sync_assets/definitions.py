"""The Dagster code location of track-sync (``workspace.yaml`` loads this module)."""

from __future__ import annotations

from dagster import Definitions

from track_sync_assets.defs.assets import ALL_ASSETS
from track_sync_assets.defs.automation import (
    catalogue_after_dashboards,
    daily_track_sync,
    dashboards_after_track_list,
)
from track_sync_assets.defs.checks import ALL_CHECKS, freshness_sensor
from track_sync_assets.defs.jobs import ALL_JOBS
from track_sync_assets.defs.resources import CatalogueResource, GeocoderResource, LiveRCResource

defs = Definitions(
    assets=ALL_ASSETS,
    asset_checks=ALL_CHECKS,
    jobs=ALL_JOBS,
    schedules=[daily_track_sync],
    sensors=[dashboards_after_track_list, catalogue_after_dashboards, freshness_sensor],
    resources={
        "catalogue": CatalogueResource(),
        "liverc": LiveRCResource(),
        "geocoder": GeocoderResource(),
    },
)
