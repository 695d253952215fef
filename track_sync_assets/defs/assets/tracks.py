"""``tracks``: the catalogue, upserted from the latest good data of every listed track (and of
the tracks off the list that are still refreshed: their inactive rows take it too)."""

import time
from datetime import UTC, datetime, timedelta

from dagster import (
    AssetExecutionContext,
    Failure,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    TableColumn,
    TableSchema,
    asset,
)

from track_sync_assets.defs.assets.geocodes import track_geocodes
from track_sync_assets.defs.assets.track_list import liverc_track_list
from track_sync_assets.defs.quality_findings import QualityFindings
from track_sync_assets.defs.resources import CatalogueResource, SyncPolicyResource
from track_sync_assets.defs.runs import catalogue_keys, require_track_list, sync_id_of
from track_sync_assets.defs.step_guard import sync_step
from track_sync_assets.defs.tags import GROUP
from track_sync_assets.domain import Address, FetchOutcome, Geocode
from track_sync_assets.store import CatalogueStore, DashboardState, TrackListRejected
from track_sync_assets.store.schema import tracks as tracks_table

FAILED_OUTCOMES = frozenset({FetchOutcome.FAILED, FetchOutcome.DISALLOWED})
TRACKS_SCHEMA = TableSchema(
    columns=[TableColumn(column.name, str(column.type)) for column in tracks_table.columns]
)


def failed_dashboards(states: dict[str, DashboardState]) -> list[DashboardState]:
    """Tracks whose latest dashboard attempt failed (their stored data is kept)."""
    return sorted(
        (s for s in states.values() if s.last_outcome in FAILED_OUTCOMES), key=lambda s: s.slug
    )


def geocodes_for(store: CatalogueStore, states: dict[str, DashboardState]) -> dict[str, Geocode]:
    """Slug key -> cached geocode of its current address (looked up by ``track_geocodes``)."""
    address_keys = {
        key: Address.of(state.dashboard).normalized_key()
        for key, state in states.items()
        if state.dashboard is not None
    }
    cached = store.get_geocodes(set(address_keys.values()))
    return {key: cached[a] for key, a in address_keys.items() if a in cached}


@asset(
    group_name=GROUP,
    deps=[liverc_track_list, track_geocodes],
    kinds={"python", "sql"},
    freshness_policy=FreshnessPolicy.time_window(fail_window=timedelta(hours=26)),
)
def tracks(
    context: AssetExecutionContext, catalogue: CatalogueResource, sync_policy: SyncPolicyResource
) -> MaterializeResult:
    """One row per LiveRC track: listing, dashboard and coordinates, with lifecycle and
    change history. A failed dashboard never blocks the upsert and never wipes data; a
    departed track's fetched dashboard updates its row, which stays inactive."""
    started = time.perf_counter()
    with catalogue.open() as store, sync_step(context, store, sync_policy):
        sync_id = sync_id_of(context)
        snapshot = require_track_list(store)
        keys = [listing.slug_key for listing in snapshot.listings]
        # Departed tracks fetched on their rolling age: applied to their inactive rows.
        states = store.dashboard_states(
            catalogue_keys(store, snapshot, sync_policy.departed_refresh_days)
        )
        try:
            result = store.apply_sync(
                sync_id,
                snapshot.listings,
                states,
                geocodes_for(store, states),
                now=datetime.now(UTC),
                guard=catalogue.guard,
            )
        except TrackListRejected as exc:
            store.finish_run(sync_id, "failed", error=str(exc))
            raise Failure(description=f"Catalogue left untouched: {exc}") from exc

        failed = failed_dashboards({key: states[key] for key in keys if key in states})
        never_fetched = [key for key in keys if key not in states]
        if failed:
            context.log.warning(
                f"some tracks failed: {len(failed)} dashboards kept their stored data: "
                + ", ".join(
                    f"{s.slug} ({s.last_reason or s.last_outcome.value})" for s in failed[:20]
                )
            )
        findings = QualityFindings.of(store.tracks_frame(active_only=True))
        seconds = time.perf_counter() - started
        counts = dict(result.counts)
        store.record_stage(
            sync_id,
            "catalogue",
            seconds,
            counts={
                **counts,
                "refreshed_fields": dict(result.refreshed_fields),
                "quality": findings.to_dict(),
            },
        )
        return MaterializeResult(
            metadata={
                "dagster/row_count": store.track_count(active_only=False),
                "dagster/column_schema": TRACKS_SCHEMA,
                "active_tracks": store.track_count(active_only=True),
                "listed": result.listed,
                **{kind: counts.get(kind, 0) for kind in _KINDS},
                "departed_updated": sum(1 for c in result.changes if c.departed),
                "dashboard_failures": len(failed),
                "dashboards_never_fetched": len(never_fetched),
                "rows_written": result.rows_written,
                "history_rows": result.history_rows,
                "upsert_seconds": round(result.durations.get("total", 0.0), 3),
                "stage_seconds": round(seconds, 3),
                "changes": MetadataValue.json([c.to_dict() for c in result.changes[:100]]),
            }
        )


_KINDS = ("added", "updated", "refreshed", "unchanged", "deactivated", "reactivated")
