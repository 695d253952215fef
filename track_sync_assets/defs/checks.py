"""Asset checks: the list's sanity guard (blocking), dashboard failures, data quality."""

import warnings
from collections.abc import Iterator
from datetime import timedelta

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    DefaultSensorStatus,
    MetadataValue,
    asset_check,
    build_last_update_freshness_checks,
    build_sensor_for_freshness_checks,
    multi_asset_check,
)

from track_sync_assets.defs.assets import liverc_track_list, track_dashboards, tracks
from track_sync_assets.defs.assets.tracks import failed_dashboards
from track_sync_assets.defs.quality_findings import QualityFindings
from track_sync_assets.defs.resources import CatalogueResource, SyncPolicyResource
from track_sync_assets.defs.runs import current_run, sync_id_of_run
from track_sync_assets.report import markdown_table
from track_sync_assets.store import CatalogueStore

MAX_LISTED_OFFENDERS = 200


@asset_check(asset=liverc_track_list, blocking=True)
def track_list_passes_sanity_guard(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> AssetCheckResult:
    """Refuses a broken or truncated list before anything downstream runs (nothing is
    deactivated, and the refused list never becomes the next comparison's baseline)."""
    with catalogue.open() as store:
        snapshot = store.latest_track_list(include_refused=True)
        if snapshot is None:
            return AssetCheckResult(
                passed=False, severity=AssetCheckSeverity.ERROR, description="no track list stored"
            )
        if snapshot.refusal is not None:
            return AssetCheckResult(
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                description=f"refused: {snapshot.refusal}",
                metadata={"listed": len(snapshot.listings)},
            )
        previous_active = _verdict_metadata(store, snapshot.listings, catalogue)
        return AssetCheckResult(
            passed=True,
            severity=AssetCheckSeverity.ERROR,
            description=previous_active.pop("message"),
            metadata=previous_active,
        )


def _verdict_metadata(store: CatalogueStore, listings, catalogue: CatalogueResource) -> dict:
    verdict = store.check_guard(listings, catalogue.guard)
    return {
        "message": verdict.message,
        "listed": verdict.listed_count,
        "active_in_catalogue": verdict.active_count,
        "share": round(verdict.share, 4) if verdict.share is not None else -1.0,
    }


@asset_check(asset=track_dashboards)
def dashboard_failure_share(
    context: AssetCheckExecutionContext,
    catalogue: CatalogueResource,
    sync_policy: SyncPolicyResource,
) -> AssetCheckResult:
    """Warns when more than the warning share of listed tracks failed (they keep their
    stored data; the table names each one and why)."""
    with catalogue.open() as store:
        snapshot = store.latest_track_list()
        keys = [t.slug_key for t in snapshot.listings] if snapshot else []
        failed = failed_dashboards(store.dashboard_states(keys))
    share = len(failed) / len(keys) if keys else 0.0
    threshold = sync_policy.failure_warn_share
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


COORDINATES = "tracks_coordinates_valid"
EMAILS = "tracks_emails_valid"
COMPLETENESS = "tracks_completeness"


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            COORDINATES,
            asset=tracks,
            description="Latitude and longitude in "
            "range, both or neither, not (0, 0), inside the stated country",
        ),
        AssetCheckSpec(
            EMAILS,
            asset=tracks,
            description="E-mail addresses are valid syntax (email-validator, no network look-ups)",
        ),
        AssetCheckSpec(
            COMPLETENESS,
            asset=tracks,
            description="Share of active tracks with "
            "coordinates, e-mail, phone and website (informational)",
        ),
    ],
)
def tracks_quality(
    context: AssetCheckExecutionContext, catalogue: CatalogueResource
) -> Iterator[AssetCheckResult]:
    """The catalogue's quality, from the findings ``tracks`` stored with this sync (the
    table is read once per update); run on its own, reads the catalogue now."""
    with catalogue.open() as store:
        run = current_run(context)
        record = store.get_run(sync_id_of_run(run)) if run is not None else None
        stored = ((record.counts or {}).get("catalogue") or {}).get("quality") if record else None
        if stored is None:
            stored = QualityFindings.of(store.tracks_frame(active_only=True)).to_dict()
    yield _findings_result(COORDINATES, stored["coordinates"], stored["coordinates_count"],
                           stored["checked"], "coordinates")  # fmt: skip
    yield _findings_result(EMAILS, stored["emails"], stored["emails_count"], stored["checked"],
                           "e-mail addresses")  # fmt: skip
    shares = stored["completeness"]
    yield AssetCheckResult(
        check_name=COMPLETENESS,
        passed=True,
        description=", ".join(f"{k} {v:.1%}" for k, v in shares.items()),
        metadata={f"share_{k}": v for k, v in shares.items()}
        | {"active_tracks": stored["checked"]},
    )


def _findings_result(
    name: str, offenders: list, count: int, checked: int, what: str
) -> AssetCheckResult:
    table = markdown_table(("track", "problem"), offenders[:MAX_LISTED_OFFENDERS])
    return AssetCheckResult(
        check_name=name,
        passed=count == 0,
        severity=AssetCheckSeverity.ERROR,
        description=f"{count} of {checked} active tracks have invalid {what}",
        metadata={
            "offenders": count,
            "checked": checked,
            "offending_tracks": MetadataValue.md(table),
        },
    )


FRESHNESS_WINDOW = timedelta(hours=26)
with warnings.catch_warnings():
    # Superseded by FreshnessPolicy (also set on ``tracks``) but still the way to get a
    # freshness *check* with its own sensor in Dagster 1.13 (verified to work).
    warnings.simplefilter("ignore")
    tracks_freshness_checks = build_last_update_freshness_checks(
        assets=[tracks], lower_bound_delta=FRESHNESS_WINDOW
    )
    tracks_freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=tracks_freshness_checks,
        name="tracks_freshness_sensor",
        default_status=DefaultSensorStatus.RUNNING,
    )
