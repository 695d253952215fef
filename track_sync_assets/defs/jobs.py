"""The three jobs of one sync, and the assets each one materializes."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, DagsterRun, define_asset_job

from track_sync_assets.defs.assets import (
    ALL_ASSETS,
    liverc_track_list,
    track_catalogue_exports,
    track_dashboards,
    track_geocodes,
    track_sync_report,
    tracks,
)

track_list_job = define_asset_job(
    "track_list_job",
    selection=AssetSelection.assets(liverc_track_list),
    description="Fetch LiveRC's track list; register new tracks; blocking sanity guard.",
)

dashboards_job = define_asset_job(
    "dashboards_job",
    selection=AssetSelection.assets(track_dashboards).without_checks(),
    description="Fetch dashboards in one run over a partition range: the day's refresh plan, "
    "a repair, or the range selected.",
)

catalogue_job = define_asset_job(
    "catalogue_job",
    selection=(
        AssetSelection.assets(track_geocodes, tracks, track_catalogue_exports, track_sync_report)
        | AssetSelection.checks_for_assets(track_dashboards)
    ),
    description="Geocode, upsert the catalogue, check it, export it (GeoJSON, CSV, Parquet, "
    "map) and write the change report.",
)

SYNC_JOBS = (track_list_job, dashboards_job, catalogue_job)

JOB_ASSETS: dict[str, frozenset[AssetKey]] = {
    job.name: frozenset(job.selection.resolve(ALL_ASSETS)) for job in SYNC_JOBS
}
"""Each job's assets, resolved from its own selection (a run of a job does not always
record its asset selection)."""


def run_assets(run: DagsterRun) -> frozenset[AssetKey]:
    """The assets a run targets, whoever launched it (the UI's runs name theirs)."""
    return frozenset(run.asset_selection or ()) or JOB_ASSETS.get(run.job_name, frozenset())
