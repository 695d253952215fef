"""``liverc_track_list``: LiveRC's track list, fetched, judged by the guard, and stored."""

import time
from datetime import UTC, datetime, timedelta

from dagster import AssetExecutionContext, Failure, MaterializeResult, MetadataValue, asset

from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.resources import (
    CatalogueResource,
    LiveRCResource,
    SyncPolicyResource,
)
from track_sync_assets.defs.robots import load_robots_cache, save_robots_cache
from track_sync_assets.defs.runs import sync_id_of
from track_sync_assets.defs.step_guard import StopCheck, sync_step
from track_sync_assets.defs.tags import GROUP
from track_sync_assets.liverc.client import LiveRCClientError, fetch_track_list
from track_sync_assets.report import markdown_table

PREVIEW_ROWS = 25


@asset(group_name=GROUP, kinds={"python", "html"})
def liverc_track_list(
    context: AssetExecutionContext,
    liverc: LiveRCResource,
    catalogue: CatalogueResource,
    sync_policy: SyncPolicyResource,
) -> MaterializeResult:
    """Every track LiveRC lists today, parsed and judged by the sanity guard.

    An accepted list becomes the baseline of the next comparison and registers a partition
    of ``track_dashboards`` for each new track; a refused list is kept for inspection only.
    Rows that cannot be read are skipped and reported; the guard still refuses a list that
    lost too many.
    """
    started = time.perf_counter()
    with catalogue.open() as store, sync_step(context, store, sync_policy):
        sync_id = sync_id_of(context)
        store.start_run(sync_id, datetime.now(UTC))
        try:
            robots = load_robots_cache(store)
            fetch = fetch_track_list(
                liverc.client_settings(),
                stop_requested=StopCheck(liverc, store),
                robots_cache=robots,
            )
            save_robots_cache(store, robots)
        except LiveRCClientError as exc:
            store.finish_run(sync_id, "failed", error=f"track list: {exc}")
            raise Failure(description=f"The track list could not be read: {exc}") from exc

        verdict = store.check_guard(fetch.listings, catalogue.guard)
        previous = store.latest_track_list()
        store.save_track_list(
            sync_id,
            fetch.listings,
            fetch.fetched_at,
            refusal=None if verdict.passes else verdict.message,
        )
        listed = [listing.slug_key for listing in fetch.listings]
        before = {listing.slug_key for listing in previous.listings} if previous else set()
        arrived = sorted(set(listed) - before) if previous else []
        departed = sorted(before - set(listed))
        new_partitions: list[str] = []
        retired: list[str] = []
        if verdict.passes:
            new_partitions, retired = _update_partitions(
                context, store.refresh_inputs(), listed, sync_policy.departed_refresh_days
            )
        else:
            store.finish_run(sync_id, "failed", error=f"track list refused: {verdict.message}")
        seconds = time.perf_counter() - started
        store.record_stage(
            sync_id,
            "track_list",
            seconds,
            counts={
                "listed": len(listed),
                "rejected_rows": len(fetch.rejected),
                "rejected": [row.to_dict() for row in fetch.rejected[:500]],
                "accepted": verdict.passes,
            },
        )
        context.log.info(
            f"{len(listed)} tracks listed ({len(fetch.rejected)} rows rejected); "
            f"{len(arrived)} arrived, {len(departed)} departed since the previous list; "
            f"{len(new_partitions)} new partitions, {len(retired)} retired; guard: "
            f"{verdict.message}"
        )
        return MaterializeResult(
            metadata={
                "dagster/row_count": len(listed),
                "listed": len(listed),
                "rejected_rows": len(fetch.rejected),
                "accepted": verdict.passes,
                "guard": verdict.message,
                "arrived": len(arrived),
                "departed": len(departed),
                "new_partitions": len(new_partitions),
                "retired_partitions": len(retired),
                "arrived_slugs": MetadataValue.json(arrived[:200]),
                "departed_slugs": MetadataValue.json(departed[:200]),
                "rejected": MetadataValue.md(
                    markdown_table(
                        ("row", "reason", "link", "name"),
                        ((r.row, r.reason, r.link, r.name) for r in fetch.rejected[:200]),
                    )
                ),
                "fetch_seconds": round(fetch.elapsed_s, 3),
                "stage_seconds": round(seconds, 3),
                "bytes": fetch.size_bytes,
                "content_hash": fetch.content_hash,
                "fetched_at": fetch.fetched_at.isoformat(),
                "preview": MetadataValue.md(_preview(fetch.listings)),
            }
        )


def _update_partitions(
    context: AssetExecutionContext, stored: dict, listed: list[str], departed_days: int
) -> tuple[list[str], list[str]]:
    """Register a partition for each new track; retire the partitions of tracks off the
    list longer than the departed window (their history stays; a return re-registers)."""
    instance = context.instance
    known = set(instance.get_dynamic_partitions(TRACK_PARTITIONS.name))
    new = [key for key in listed if key not in known]
    if new:
        instance.add_dynamic_partitions(TRACK_PARTITIONS.name, new)
    horizon = datetime.now(UTC) - timedelta(days=departed_days)
    retired = sorted(
        key
        for key, state in stored.items()
        if key in known
        and key not in set(listed)
        and state.off_list_since is not None
        and state.off_list_since < horizon
    )
    for key in retired:
        instance.delete_dynamic_partition(TRACK_PARTITIONS.name, key)
    return new, retired


def _preview(listings: tuple) -> str:
    table = markdown_table(
        ("slug", "name", "activity", "last updated"),
        ((t.slug, t.name, t.activity.value, t.last_updated_text) for t in listings[:PREVIEW_ROWS]),
    )
    more = len(listings) - PREVIEW_ROWS
    return table + (f"\n\n… and {more} more." if more > 0 else "")
