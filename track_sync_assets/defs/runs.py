"""Facts about runs that the assets, sensors and the command line share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from dagster import (
    AssetCheckExecutionContext,
    AssetExecutionContext,
    AssetKey,
    AssetPartitionStatus,
    DagsterError,
    DagsterInstance,
    DagsterRun,
    Failure,
)

from track_sync_assets.defs.dagster_internals import BACKFILL_ID_TAG
from track_sync_assets.defs.tags import (
    FULL_REFRESH_TAG,
    LAUNCHED_BY_CLI_TAG,
    LEASE_TAG,
    REASON_TAG,
    RETRY_TAG,
    STARTED_BY_TAG,
    SYNC_ID_TAG,
)
from track_sync_assets.store import CatalogueStore, TrackListSnapshot
from track_sync_assets.store.schema import as_utc

LIST_KEY = AssetKey("liverc_track_list")
DASHBOARDS_KEY = AssetKey("track_dashboards")
CATALOGUE_KEY = AssetKey("tracks")


def sync_id_of_run(run: DagsterRun) -> str:
    """The sync a run belongs to: the tag set by whoever chained it, else the run itself."""
    return run.tags.get(SYNC_ID_TAG) or run.run_id


DIRECT = "direct-invocation"
"""The run id of an asset called directly (a unit test with ``build_asset_context``)."""


def current_run(context: AssetExecutionContext | AssetCheckExecutionContext) -> DagsterRun | None:
    """The context's run; ``None`` when the asset or check is invoked directly."""
    try:
        return context.run
    except DagsterError:  # DagsterInvalidPropertyError: no run behind a direct invocation
        return None


def run_tags(context: AssetExecutionContext | AssetCheckExecutionContext) -> Mapping[str, str]:
    run = current_run(context)
    return run.tags if run is not None else {}


def sync_id_of(context: AssetExecutionContext | AssetCheckExecutionContext) -> str:
    run = current_run(context)
    return sync_id_of_run(run) if run is not None else DIRECT


def started_by(run: DagsterRun | None) -> str:
    """Who or what started the run (see ``STARTED_BY_TAG``); the operator's reason is
    the separate ``REASON_TAG``."""
    if run is None:
        return DIRECT
    tags = run.tags
    if STARTED_BY_TAG in tags:
        who = tags[STARTED_BY_TAG]
    elif RETRY_TAG in tags:
        who = "retry"
    elif "dagster/schedule_name" in tags:
        who = f"schedule {tags['dagster/schedule_name']}"
    elif "dagster/sensor_name" in tags:
        who = f"sensor {tags['dagster/sensor_name']}"
    elif BACKFILL_ID_TAG in tags:
        who = f"ui (backfill {tags[BACKFILL_ID_TAG]})"
    else:
        who = "ui"
    return who


INHERITED_TAGS = (LEASE_TAG, FULL_REFRESH_TAG, REASON_TAG)


def inherited_tags(run: DagsterRun) -> dict[str, str]:
    """Tags a chained run takes over from the run before it: the command's lease (its
    steps may enter it), a forced full refresh, the operator's reason."""
    return {tag: run.tags[tag] for tag in INHERITED_TAGS if tag in run.tags}


def launched_by_command(run: DagsterRun) -> bool:
    """A run a command executes and chains itself (a re-execution from the UI copies the
    tag, but nobody chains it: the sensors do)."""
    return run.tags.get(LAUNCHED_BY_CLI_TAG) == "cli" and run.parent_run_id is None


def failed_partitions(instance: DagsterInstance, keys: Sequence[str]) -> list[str]:
    """The keys (in the given order) whose ``track_dashboards`` partition Dagster marks failed."""
    from track_sync_assets.defs.partitions import TRACK_PARTITIONS

    statuses = instance.get_status_by_partition(DASHBOARDS_KEY, list(keys), TRACK_PARTITIONS) or {}
    return [key for key in keys if statuses.get(key) == AssetPartitionStatus.FAILED]


def require_track_list(store: CatalogueStore) -> TrackListSnapshot:
    """The latest accepted track list; a clear ``Failure`` when none was fetched yet."""
    snapshot = store.latest_track_list()
    if snapshot is None:
        raise Failure(description="No track list has been accepted yet: materialize it first.")
    return snapshot


def catalogue_keys(
    store: CatalogueStore, snapshot: TrackListSnapshot, departed_refresh_days: int
) -> list[str]:
    """The slug keys whose stored dashboards the catalogue takes: every listed track, then
    every catalogue track the refresh plan may still fetch although it left the list (off
    the list for at most ``departed_refresh_days``, or leaving it with this list).

    The window is measured from the list's fetch time, which is before any step of the
    sync (or a later retry) plans its fetches: every track fetched as ``departed`` is in.
    """
    listed = [listing.slug_key for listing in snapshot.listings]
    on_list = set(listed)
    horizon = as_utc(snapshot.fetched_at) - timedelta(days=departed_refresh_days)
    departed = sorted(
        key
        for key, known in store.refresh_inputs().items()
        if known.in_catalogue
        and key not in on_list
        and (known.off_list_since is None or as_utc(known.off_list_since) >= horizon)
    )
    return listed + departed
