"""``liverc_track_list``: LiveRC's track list, fetched, parsed and stored as a snapshot."""

import time
from datetime import UTC, datetime

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from track_sync_assets.defs.context import sync_id_of, with_client
from track_sync_assets.defs.resources import CatalogueResource, LiveRCResource
from track_sync_assets.defs.tags import GROUP, LIVERC_POOL, TRACK_PARTITIONS
from track_sync_assets.liverc.client import LiveRCClientError
from track_sync_assets.report import markdown_table

PREVIEW_ROWS = 25


@asset(group_name=GROUP, pool=LIVERC_POOL, kinds={"python", "html"})
def liverc_track_list(
    context: AssetExecutionContext, liverc: LiveRCResource, catalogue: CatalogueResource
) -> MaterializeResult:
    """Every track LiveRC lists today, parsed and stored in the catalogue database.

    Registers a partition of ``track_dashboards`` for every new slug; partitions of
    tracks that left LiveRC's rolling list are kept.
    """
    started = time.perf_counter()
    with catalogue.open() as store:
        sync_id = sync_id_of(context)
        store.start_run(sync_id, datetime.now(UTC))
        try:
            fetch = with_client(liverc.settings(), lambda client: client.fetch_track_list())
        except LiveRCClientError as exc:
            store.finish_run(sync_id, "failed", error=f"track list: {exc}")
            raise Failure(description=f"The track list could not be read: {exc}") from exc

        previous = store.latest_track_list()
        store.save_track_list(sync_id, fetch.listings, fetch.fetched_at)

        listed = [listing.slug_key for listing in fetch.listings]
        known = set(context.instance.get_dynamic_partitions(TRACK_PARTITIONS.name))
        new_partitions = [key for key in listed if key not in known]
        if new_partitions:
            context.instance.add_dynamic_partitions(TRACK_PARTITIONS.name, new_partitions)

        before = {listing.slug_key for listing in previous.listings} if previous else set()
        arrived = sorted(set(listed) - before) if previous else []
        departed = sorted(before - set(listed))
        seconds = time.perf_counter() - started
        store.record_stage(sync_id, "track_list", seconds)
        context.log.info(
            f"{len(listed)} tracks listed; {len(arrived)} arrived, {len(departed)} departed "
            f"since the previous list; {len(new_partitions)} new partitions"
        )
        return MaterializeResult(
            metadata={
                "dagster/row_count": len(listed),
                "listed": len(listed),
                "arrived": len(arrived),
                "departed": len(departed),
                "new_partitions": len(new_partitions),
                "arrived_slugs": MetadataValue.json(arrived[:200]),
                "departed_slugs": MetadataValue.json(departed[:200]),
                "fetch_seconds": round(fetch.elapsed_s, 3),
                "stage_seconds": round(seconds, 3),
                "bytes": fetch.size_bytes,
                "content_hash": fetch.content_hash,
                "fetched_at": fetch.fetched_at.isoformat(),
                "preview": MetadataValue.md(_preview(fetch.listings)),
            }
        )


def _preview(listings: tuple) -> str:
    table = markdown_table(
        ("slug", "name", "activity", "last updated"),
        ((t.slug, t.name, t.activity.value, t.last_updated_text) for t in listings[:PREVIEW_ROWS]),
    )
    more = len(listings) - PREVIEW_ROWS
    return table + (f"\n\n… and {more} more." if more > 0 else "")
