"""``track_dashboards``: each track's dashboard, one partition per track, one run for all.

The fetching runs in a worker thread (one event loop, one polite client); this step's
thread records results in the catalogue database in batches and logs one
materialization per finished track as results arrive, so a killed run keeps what it
fetched. Tracks that still fail after the client's retries are not materialized: the
step then fails, Dagster marks exactly those partitions failed, and "materialize
failed" re-fetches only them.
"""

import queue
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    BackfillPolicy,
    Failure,
    MetadataValue,
    asset,
)

from track_sync_assets.defs.assets.track_list import liverc_track_list
from track_sync_assets.defs.context import sync_id_of, with_client
from track_sync_assets.defs.resources import CatalogueResource, LiveRCResource
from track_sync_assets.defs.tags import GROUP, LIVERC_POOL, RESULT_TAG, TRACK_PARTITIONS
from track_sync_assets.domain import DashboardFetch, FetchOutcome, Validators
from track_sync_assets.envvars import env_number
from track_sync_assets.liverc.client import ClientSettings
from track_sync_assets.report import markdown_table
from track_sync_assets.store import CatalogueStore

MATERIALIZED_OUTCOMES = frozenset({FetchOutcome.OK, FetchOutcome.NOT_MODIFIED, FetchOutcome.GONE})
"""Outcomes that are a definite answer about the page (gone is an answer, not an error)."""
RECORD_EVERY = 50


def max_failure_share() -> float:
    """``TRACK_SYNC_MAX_DASHBOARD_FAILURE_SHARE`` (default 0.5): above it the sync failed."""
    return env_number(
        "TRACK_SYNC_MAX_DASHBOARD_FAILURE_SHARE", 0.5, kind=float, minimum=0, maximum=1
    )


@asset(
    group_name=GROUP,
    partitions_def=TRACK_PARTITIONS,
    backfill_policy=BackfillPolicy.single_run(),
    pool=LIVERC_POOL,
    deps=[liverc_track_list],
    kinds={"python", "html"},
)
def track_dashboards(
    context: AssetExecutionContext, liverc: LiveRCResource, catalogue: CatalogueResource
) -> None:
    """Each track's dashboard metadata, fetched politely (conditional requests, per-track
    retries) and stored parsed in the catalogue database."""
    started = time.perf_counter()
    with catalogue.open() as store:
        sync_id = sync_id_of(context)
        keys = list(context.partition_keys)
        slugs = _published_slugs(store, keys)
        validators = store.dashboard_validators(keys)
        work = [(slugs[key], validators.get(key)) for key in keys]
        context.log.info(f"fetching {len(work)} dashboards")

        outcomes: Counter[str] = Counter()
        failures: list[DashboardFetch] = []
        pending: list[DashboardFetch] = []
        spent = Counter[str]()  # seconds spent logging Dagster events / writing the store
        fetcher = _Fetcher(liverc.settings(), work)
        for fetch in fetcher.results():
            outcomes[fetch.outcome.value] += 1
            pending.append(fetch)
            mark = time.perf_counter()
            if fetch.outcome in MATERIALIZED_OUTCOMES:
                context.log_event(_materialization(context, fetch))
            else:
                failures.append(fetch)
            spent["dagster_events_s"] += time.perf_counter() - mark
            if len(pending) >= RECORD_EVERY:
                mark = time.perf_counter()
                store.record_dashboard_fetches(sync_id, pending)
                spent["store_writes_s"] += time.perf_counter() - mark
                pending = []
        if pending:
            store.record_dashboard_fetches(sync_id, pending)
        fetcher.raise_if_failed()

        seconds = time.perf_counter() - started
        counts = {**outcomes, **{k: round(v, 3) for k, v in spent.items()}}
        store.record_stage(sync_id, "dashboards", seconds, requests=fetcher.stats, counts=counts)
        share = len(failures) / len(keys) if keys else 0.0
        result = (
            "complete" if not failures else "partial" if share <= max_failure_share() else "failed"
        )
        context.instance.add_run_tags(context.run_id, {RESULT_TAG: result})
        context.log.info(f"dashboards: {dict(outcomes)} in {seconds:.1f} s ({result})")
        if failures:
            raise Failure(
                description=_failure_summary(failures, len(keys), result),
                metadata={
                    "failed": len(failures),
                    "attempted": len(keys),
                    "failure_share": round(share, 4),
                    "failed_tracks": MetadataValue.md(_failure_table(failures)),
                },
                allow_retries=False,
            )


class _Fetcher:
    """Fetches in a worker thread; hands results to the step's thread as they finish."""

    _DONE = object()

    def __init__(self, settings: ClientSettings, work: Sequence[tuple[str, Validators | None]]):
        self._settings = settings
        self._work = work
        self._queue: queue.Queue[object] = queue.Queue()
        self._error: BaseException | None = None
        self.stats: dict = {}
        self._thread = threading.Thread(target=self._run, name="dashboard-fetcher", daemon=True)

    def _run(self) -> None:
        async def fetch_all(client) -> None:
            try:
                await client.fetch_dashboards(self._work, on_result=self._queue.put)
            finally:
                self.stats = client.stats.snapshot()

        try:
            with_client(self._settings, fetch_all)
        except BaseException as exc:  # handed to the step's thread, raised there
            self._error = exc
        finally:
            self._queue.put(self._DONE)

    def results(self) -> Iterator[DashboardFetch]:
        self._thread.start()
        while (item := self._queue.get()) is not self._DONE:
            yield item  # type: ignore[misc]
        self._thread.join()

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise Failure(
                description=f"Dashboard fetching stopped: {self._error}", allow_retries=False
            ) from self._error


def _published_slugs(store: CatalogueStore, keys: Sequence[str]) -> dict[str, str]:
    """The slug as LiveRC spells it (for URLs), falling back to the partition key."""
    snapshot = store.latest_track_list()
    listed = {t.slug_key: t.slug for t in snapshot.listings} if snapshot else {}
    slugs = {key: listed.get(key, key) for key in keys}
    unlisted = [key for key in keys if key not in listed]  # tracks that left the list
    if unlisted:
        slugs.update({key: state.slug for key, state in store.dashboard_states(unlisted).items()})
    return slugs


def _materialization(context: AssetExecutionContext, fetch: DashboardFetch) -> AssetMaterialization:
    return AssetMaterialization(
        asset_key=context.asset_key,
        partition=fetch.slug_key,
        metadata={
            "outcome": fetch.outcome.value,
            "not_modified": fetch.outcome is FetchOutcome.NOT_MODIFIED,
            "fetched_at": fetch.fetched_at.isoformat(),
            "url": MetadataValue.url(fetch.url),
            "status_code": fetch.status_code if fetch.status_code is not None else -1,
            "attempts": fetch.attempts,
            "elapsed_ms": round(fetch.elapsed_s * 1000, 1),
            "content_hash": fetch.validators.content_hash or "",
            "track_name": fetch.dashboard.name if fetch.dashboard else "",
        },
    )


def _failure_summary(failures: Sequence[DashboardFetch], attempted: int, result: str) -> str:
    named = ", ".join(f"{f.slug} ({f.reason or f.outcome.value})" for f in failures[:10])
    more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
    head = (
        "Some tracks failed"
        if result == "partial"
        else "The dashboard sync failed: too many tracks failed"
    )
    return (
        f"{head}: {len(failures)} of {attempted} dashboards could not be refreshed after "
        f"retries: {named}{more}. Their stored data is kept; the other partitions are "
        "materialized. Re-fetch only these with 'Materialize failed' (or `track-sync refetch`)."
    )


def _failure_table(failures: Sequence[DashboardFetch]) -> str:
    return markdown_table(
        ("track", "outcome", "reason"), ((f.slug, f.outcome.value, f.reason) for f in failures)
    )
