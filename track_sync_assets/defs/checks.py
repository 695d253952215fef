"""Asset checks: the list's sanity guard (blocking), dashboard failures, data quality."""

import warnings
from datetime import timedelta

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
)

from track_sync_assets.defs.assets import liverc_track_list, track_dashboards, tracks
from track_sync_assets.defs.assets.tracks import failed_dashboards
from track_sync_assets.defs.resources import CatalogueResource
from track_sync_assets.envvars import env_number
from track_sync_assets.quality import Finding, completeness, coordinate_findings, email_findings
from track_sync_assets.report import markdown_table

MAX_LISTED_OFFENDERS = 200


def dashboard_failure_warn_share() -> float:
    """``TRACK_SYNC_DASHBOARD_FAILURE_WARN_SHARE`` (default 0.05)."""
    return env_number(
        "TRACK_SYNC_DASHBOARD_FAILURE_WARN_SHARE", 0.05, kind=float, minimum=0, maximum=1
    )


@asset_check(asset=liverc_track_list, blocking=True)
def track_list_passes_sanity_guard(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> AssetCheckResult:
    """Refuses a broken or truncated list before anything downstream runs (nothing is
    deactivated): at least the configured share of the active catalogue must be listed."""
    with catalogue.open() as store:
        snapshot = store.latest_track_list()
        if snapshot is None:
            return AssetCheckResult(
                passed=False, severity=AssetCheckSeverity.ERROR, description="no track list stored"
            )
        verdict = store.check_guard(snapshot.listings)
        return AssetCheckResult(
            passed=verdict.passes,
            severity=AssetCheckSeverity.ERROR,
            description=verdict.message,
            metadata={
                "listed": verdict.listed_count,
                "active_in_catalogue": verdict.active_count,
                "share": round(verdict.share, 4) if verdict.share is not None else -1.0,
            },
        )


@asset_check(asset=track_dashboards)
def dashboard_failure_share(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> AssetCheckResult:
    """Warns when more than the threshold share (default 5 %) of listed tracks failed."""
    with catalogue.open() as store:
        snapshot = store.latest_track_list()
        keys = [t.slug_key for t in snapshot.listings] if snapshot else []
        failed = failed_dashboards(store.dashboard_states(keys))
        share = len(failed) / len(keys) if keys else 0.0
        threshold = dashboard_failure_warn_share()
        table = markdown_table(
            ("track", "outcome", "reason"),
            ((s.slug, s.last_outcome.value, s.last_reason) for s in failed[:MAX_LISTED_OFFENDERS]),
        )
        return AssetCheckResult(
            passed=share <= threshold,
            severity=AssetCheckSeverity.WARN,
            description=f"{len(failed)} of {len(keys)} listed tracks failed ({share:.1%}; "
            f"threshold {threshold:.0%})",
            metadata={
                "failed": len(failed),
                "listed": len(keys),
                "failure_share": round(share, 4),
                "failed_tracks": MetadataValue.md(table),
            },
        )


def _active_tracks(catalogue: CatalogueResource) -> pd.DataFrame:
    with catalogue.open() as store:
        return store.tracks_frame(active_only=True)


def _findings_result(findings: list[Finding], checked: int, what: str) -> AssetCheckResult:
    table = markdown_table(
        ("track", "problem"), ((f.slug, f.problem) for f in findings[:MAX_LISTED_OFFENDERS])
    )
    return AssetCheckResult(
        passed=not findings,
        severity=AssetCheckSeverity.ERROR,
        description=f"{len(findings)} of {checked} active tracks have invalid {what}",
        metadata={
            "offenders": len(findings),
            "checked": checked,
            "offending_tracks": MetadataValue.md(table),
        },
    )


@asset_check(asset=tracks)
def tracks_coordinates_valid(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> AssetCheckResult:
    """Latitude and longitude in range, both or neither, not (0, 0), inside the country."""
    active = _active_tracks(catalogue)
    return _findings_result(coordinate_findings(active), len(active), "coordinates")


@asset_check(asset=tracks)
def tracks_emails_valid(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> AssetCheckResult:
    """E-mail addresses are valid syntax (email-validator, no network look-ups)."""
    active = _active_tracks(catalogue)
    return _findings_result(email_findings(active), len(active), "e-mail addresses")


@asset_check(asset=tracks)
def tracks_completeness(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> AssetCheckResult:
    """Share of active tracks with coordinates, e-mail, phone and website (informational)."""
    active = _active_tracks(catalogue)
    shares = completeness(active)
    return AssetCheckResult(
        passed=True,
        description=", ".join(f"{k} {v:.1%}" for k, v in shares.items()),
        metadata={f"share_{k}": v for k, v in shares.items()} | {"active_tracks": len(active)},
    )


FRESHNESS_WINDOW = timedelta(hours=26)
with warnings.catch_warnings():
    # Superseded by FreshnessPolicy (also set on ``tracks``) but still the way to get a
    # freshness *check* with its own sensor in Dagster 1.13 (verified to work).
    warnings.simplefilter("ignore")
    tracks_freshness_checks = build_last_update_freshness_checks(
        assets=[tracks], lower_bound_delta=FRESHNESS_WINDOW
    )
    freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=tracks_freshness_checks, name="tracks_freshness_sensor"
    )

ALL_CHECKS = [
    track_list_passes_sanity_guard,
    dashboard_failure_share,
    tracks_coordinates_valid,
    tracks_emails_valid,
    tracks_completeness,
    *tracks_freshness_checks,
]
