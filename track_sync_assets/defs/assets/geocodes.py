"""``track_geocodes``: coordinates for the addresses of the catalogue's tracks (cached by
address): the listed ones and those off the list still refreshed (``catalogue_keys``)."""

import time

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from track_sync_assets.defs.assets.dashboards import track_dashboards
from track_sync_assets.defs.resources import (
    CatalogueResource,
    GeocoderResource,
    SyncPolicyResource,
)
from track_sync_assets.defs.runs import catalogue_keys, require_track_list, sync_id_of
from track_sync_assets.defs.step_guard import sync_step
from track_sync_assets.defs.tags import GROUP
from track_sync_assets.domain import Address
from track_sync_assets.geocoding import geocode_addresses
from track_sync_assets.store import CatalogueStore


def catalogue_addresses(store: CatalogueStore, departed_refresh_days: int) -> dict[str, Address]:
    """Slug key -> address, for the tracks the catalogue step takes (listed ones and recently
    departed ones, see ``catalogue_keys``) whose dashboard was ever parsed."""
    keys = catalogue_keys(store, require_track_list(store), departed_refresh_days)
    return {
        key: Address.of(state.dashboard)
        for key, state in store.dashboard_states(keys).items()
        if state.dashboard is not None
    }


@asset(group_name=GROUP, deps=[track_dashboards], kinds={"python"})
def track_geocodes(
    context: AssetExecutionContext,
    catalogue: CatalogueResource,
    geocoder: GeocoderResource,
    sync_policy: SyncPolicyResource,
) -> MaterializeResult:
    """Coordinates of every listed (or recently departed) track's address; only new or
    changed addresses are looked up (the cache lives in the catalogue database)."""
    started = time.perf_counter()
    with catalogue.open() as store, sync_step(context, store, sync_policy):
        addresses = catalogue_addresses(store, sync_policy.departed_refresh_days)
        result = geocode_addresses(addresses, geocoder.build(), store)
        summary = result.summary()
        seconds = time.perf_counter() - started
        store.record_stage(sync_id_of(context), "geocoding", seconds, counts=summary)
        if result.failed:
            context.log.warning(
                f"{len(result.failed)} addresses could not be geocoded now (retried next run): "
                + ", ".join(sorted(result.failed)[:20])
            )
        precision = result.precision_counts
        return MaterializeResult(
            metadata={
                "addresses": len(addresses),
                "distinct_addresses": result.distinct_addresses,
                "cache_hits": result.cache_hits,
                "lookups": result.lookups,
                "not_found": result.not_found,
                "rejected": len(result.rejected),
                "failed": len(result.failed),
                **{
                    f"precision_{name}": precision.get(name, 0)
                    for name in ("street", "postal", "city", "region", "country")
                },
                "rejected_addresses": MetadataValue.json(
                    dict(sorted(result.rejected.items())[:100])
                ),
                "stage_seconds": round(seconds, 3),
            }
        )
