"""``track_dashboards``: each track's dashboard, one partition per track, one run for many.

A run covers one contiguous range of partitions and decides which of them to fetch (its
targets): the day's refresh plan (``track_sync/target=plan``), the tracks needing repair
(``=repair``), or, for a selection made in the UI, every partition of its range. Every
partition of the range ends the run in a truthful state:

* fetched: materialized with what the fetch returned, only once the result is durably in
  the catalogue (written in batches; a failed write fails the run with the database's own
  error, and the tracks of that batch stay unmaterialized);
* not targeted, with stored data: materialized with ``fetched: false`` and why (not due
  today, not selected for repair) and when its dashboard was last really fetched;
* failed: not materialized, so Dagster marks it failed, with an observation on the
  partition saying why; the step fails after everything else is recorded.
"""

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetObservation,
    BackfillPolicy,
    Config,
    Failure,
    MetadataValue,
    asset,
)
from pydantic import Field

from track_sync_assets.defs.assets.track_list import liverc_track_list
from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.defs.progress import Progress
from track_sync_assets.defs.resources import (
    CatalogueResource,
    LiveRCResource,
    SyncPolicyResource,
)
from track_sync_assets.defs.robots import load_robots_cache, save_robots_cache
from track_sync_assets.defs.runs import (
    current_run,
    failed_partitions,
    require_track_list,
    run_tags,
    sync_id_of,
)
from track_sync_assets.defs.step_guard import StopCheck, sync_step
from track_sync_assets.defs.tags import (
    FAILURE_SHARE_TAG,
    FULL_REFRESH_TAG,
    GROUP,
    RESULT_TAG,
    TARGET_TAG,
)
from track_sync_assets.domain import DashboardFetch, FetchOutcome
from track_sync_assets.errors import error_line
from track_sync_assets.liverc.client import stream_dashboards
from track_sync_assets.refresh import (
    Decision,
    RefreshPlan,
    RefreshSettings,
    plan_refresh,
    track_states,
)
from track_sync_assets.report import markdown_table
from track_sync_assets.store import CatalogueStore, DashboardState

MATERIALIZED_OUTCOMES = frozenset({FetchOutcome.OK, FetchOutcome.NOT_MODIFIED, FetchOutcome.GONE})
"""Outcomes that are a definite answer about the page (gone is an answer, not an error)."""
BATCH_SIZE = 50
BATCH_SECONDS = 2.0


class DashboardsConfig(Config):
    """Run configuration of ``track_dashboards`` (the launchpad shows it)."""

    full_refresh: bool = Field(
        default=False,
        description="Fetch every listed track's dashboard, whatever the refresh plan says",
    )


@asset(
    group_name=GROUP,
    partitions_def=TRACK_PARTITIONS,
    backfill_policy=BackfillPolicy.single_run(),
    deps=[liverc_track_list],
    kinds={"python", "html"},
    output_required=False,
)
def track_dashboards(
    context: AssetExecutionContext,
    config: DashboardsConfig,
    liverc: LiveRCResource,
    catalogue: CatalogueResource,
    sync_policy: SyncPolicyResource,
) -> Iterator[None]:
    """Each track's dashboard metadata, fetched politely (conditional requests, per-track
    retries) and stored parsed in the catalogue database."""
    started = time.perf_counter()
    with catalogue.open() as store, sync_step(context, store, sync_policy):
        sync_id = sync_id_of(context)
        keys = list(context.partition_keys)
        snapshot = require_track_list(store)
        states = store.dashboard_states(keys)
        tags = run_tags(context)
        forced = config.full_refresh or tags.get(FULL_REFRESH_TAG) == "true"
        failed_before = set(failed_partitions(context.instance, keys))
        plan = _plan(context, store, snapshot, sync_policy, forced, failed_before)
        decisions = {d.slug_key: d for d in plan.decisions} if plan is not None else {}
        mode = tags.get(TARGET_TAG, "selection")
        targets = _targets(mode, keys, plan, states, failed_before)
        confirmed = _confirm_untargeted(context, keys, targets, states, decisions, mode)
        slugs = {t.slug_key: t.slug for t in snapshot.listings}
        work = [
            (
                slugs.get(key) or (states[key].slug if key in states else key),
                _validators(states, key),
            )
            for key in targets
        ]
        context.log.info(
            f"{mode}: fetching {len(work)} of {len(keys)} dashboards in this run's range "
            f"({len(confirmed)} kept as stored)"
            + (f"; plan: {plan.summary()}" if plan is not None else "")
        )

        stop = StopCheck(liverc, store)
        progress = Progress(len(work), sync_policy.progress_interval_s, context.log.info)
        outcomes: Counter[str] = Counter()
        failures: list[DashboardFetch] = []
        robots = load_robots_cache(store)
        stream = stream_dashboards(
            liverc.client_settings(), work, stop_requested=stop, robots_cache=robots
        )
        recorder = _Recorder(context, store, sync_id, decisions)
        try:
            for fetch in stream:
                outcomes[fetch.outcome.value] += 1
                if fetch.outcome not in MATERIALIZED_OUTCOMES:
                    failures.append(fetch)
                progress.tick(failed=fetch.outcome not in MATERIALIZED_OUTCOMES)
                recorder.add(fetch)
            recorder.flush()
        finally:
            stream.close()
            _keep_robots(context, store, robots)
        stats = stream.stats

        seconds = time.perf_counter() - started
        listed = len(snapshot.listings)
        share = len(failures) / listed if listed else 0.0
        stopped = stop()
        result = (
            "failed"
            if stopped or share > sync_policy.max_failure_share
            else "partial"
            if failures
            else "complete"
        )
        if (run := current_run(context)) is not None:
            context.instance.add_run_tags(
                run.run_id, {RESULT_TAG: result, FAILURE_SHARE_TAG: f"{share:.4f}"}
            )
        counts = {
            **outcomes,
            "targeted": len(work),
            "kept_as_stored": len(confirmed),
            "range": len(keys),
            "listed": listed,
            "failed": len(failures),
            "mode": mode,
            **({"plan": plan.counts} if plan is not None else {}),
        }
        store.record_stage(sync_id, "dashboards", seconds, requests=stats, counts=counts)
        context.log.info(f"dashboards: {dict(outcomes)} in {seconds:.1f} s ({result})")
        context.log_event(_run_summary(context, counts, result, share, seconds, plan))
        if stopped:
            store.finish_run(sync_id, "failed", error=f"dashboards: {stopped}")
            raise Failure(description=f"Dashboard fetching stopped: {stopped}", allow_retries=False)
        if failures:
            if result == "failed":
                store.finish_run(sync_id, "failed", error=_summary(failures, listed, result))
            raise Failure(
                description=_summary(failures, listed, result),
                metadata={
                    "failed": len(failures),
                    "listed": listed,
                    "failure_share": round(share, 4),
                    "failed_tracks": MetadataValue.md(_failure_table(failures)),
                },
                allow_retries=False,
            )
    yield from ()


class _Recorder:
    """Writes fetch results to the catalogue in batches, then (and only then) logs their
    Dagster events: a partition is never shown materialized before its data is stored."""

    def __init__(
        self,
        context: AssetExecutionContext,
        store: CatalogueStore,
        sync_id: str,
        decisions: dict[str, Decision],
    ) -> None:
        self._context = context
        self._store = store
        self._sync_id = sync_id
        self._decisions = decisions
        self._pending: list[DashboardFetch] = []
        self._since = time.monotonic()

    def add(self, fetch: DashboardFetch) -> None:
        self._pending.append(fetch)
        if len(self._pending) >= BATCH_SIZE or time.monotonic() - self._since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        batch, self._pending, self._since = self._pending, [], time.monotonic()
        if not batch:
            return
        try:
            self._store.record_dashboard_fetches(self._sync_id, batch)
        except Exception as exc:
            cause = error_line(exc)
            self._store_failure_noted(cause)
            raise Failure(
                description=f"The catalogue could not store dashboards: {cause}. The "
                f"{len(batch)} tracks of this batch and those not yet fetched stay failed; "
                "nothing already stored was lost.",
                allow_retries=False,
            ) from exc
        for fetch in batch:
            self._context.log_event(self._event(fetch))

    def _store_failure_noted(self, cause: str) -> None:
        try:
            self._store.finish_run(self._sync_id, "failed", error=f"dashboards: {cause}")
        except Exception:  # the database is the thing that failed; the run log has the cause
            return

    def _event(self, fetch: DashboardFetch) -> AssetMaterialization | AssetObservation:
        metadata = {
            "outcome": fetch.outcome.value,
            "fetched": True,
            "decision": self._decision(fetch.slug_key),
            "fetched_at": fetch.fetched_at.isoformat(),
            "url": MetadataValue.url(fetch.url),
            "status_code": fetch.status_code if fetch.status_code is not None else -1,
            "attempts": fetch.attempts,
            "elapsed_ms": round(fetch.elapsed_s * 1000, 1),
        }
        key = self._context.asset_key
        if fetch.outcome not in MATERIALIZED_OUTCOMES:
            metadata["reason"] = fetch.reason or fetch.outcome.value
            return AssetObservation(asset_key=key, partition=fetch.slug_key, metadata=metadata)
        metadata["not_modified"] = fetch.outcome is FetchOutcome.NOT_MODIFIED
        metadata["content_hash"] = fetch.validators.content_hash or ""
        metadata["track_name"] = fetch.dashboard.name if fetch.dashboard else ""
        metadata["last_fetched_at"] = fetch.fetched_at.isoformat()
        return AssetMaterialization(asset_key=key, partition=fetch.slug_key, metadata=metadata)

    def _decision(self, key: str) -> str:
        decision = self._decisions.get(key)
        return decision.reason.value if decision is not None else "selected"


def _plan(
    context: AssetExecutionContext,
    store: CatalogueStore,
    snapshot,
    policy: SyncPolicyResource,
    forced: bool,
    failed_before: set[str],
) -> RefreshPlan | None:
    """The day's refresh plan (only for plan runs: a selection fetches what was selected)."""
    if run_tags(context).get(TARGET_TAG) != "plan":
        return None
    return plan_refresh(
        track_states(snapshot.listings, store.refresh_inputs()),
        now=datetime.now(UTC),
        list_fetched_at=snapshot.fetched_at,
        settings=RefreshSettings(
            max_age_days=policy.refresh_max_age_days,
            departed_refresh_days=policy.departed_refresh_days,
            forced=forced,
        ),
        failed_keys=failed_before,
    )


def _targets(
    mode: str,
    keys: Sequence[str],
    plan: RefreshPlan | None,
    states: dict[str, DashboardState],
    failed_partitions: set[str],
) -> list[str]:
    if mode == "plan" and plan is not None:
        due = set(plan.due)
        return [key for key in keys if key in due]
    if mode == "repair":
        return [
            key
            for key in keys
            if key in failed_partitions
            or key not in states
            or states[key].dashboard is None
            or states[key].last_outcome in (FetchOutcome.FAILED, FetchOutcome.DISALLOWED)
        ]
    return list(keys)


def _confirm_untargeted(
    context: AssetExecutionContext,
    keys: Sequence[str],
    targets: Sequence[str],
    states: dict[str, DashboardState],
    decisions: dict[str, Decision],
    mode: str,
) -> list[str]:
    """Materialize the range's partitions this run does not fetch but whose stored data is
    current, saying so, so that only truly failed tracks are left unmaterialized."""
    wanted = set(targets)
    confirmed = []
    for key in keys:
        state = states.get(key)
        if key in wanted or state is None or state.dashboard is None:
            continue
        decision = decisions.get(key)
        why = decision.detail if decision is not None else f"not selected ({mode})"
        context.log_event(
            AssetMaterialization(
                asset_key=context.asset_key,
                partition=key,
                metadata={
                    "outcome": "kept",
                    "fetched": False,
                    "decision": decision.reason.value if decision is not None else mode,
                    "why": why,
                    "last_fetched_at": (
                        state.good_fetched_at.isoformat() if state.good_fetched_at else ""
                    ),
                    "track_name": state.dashboard.name or "",
                },
            )
        )
        confirmed.append(key)
    return confirmed


def _run_summary(
    context: AssetExecutionContext,
    counts: dict,
    result: str,
    share: float,
    seconds: float,
    plan: RefreshPlan | None,
) -> AssetObservation:
    """The run's own figures, on the asset (no partition): the UI plots them per run."""
    numbers = {k: v for k, v in counts.items() if isinstance(v, int)}
    metadata: dict = {**numbers, "result": result, "failure_share": round(share, 4)}
    metadata["stage_seconds"] = round(seconds, 3)
    metadata["mode"] = counts.get("mode", "")
    if plan is not None:
        metadata.update({f"plan_{reason}": n for reason, n in plan.counts.items()})
        metadata["plan"] = MetadataValue.json(plan.to_dict(decisions=False))
    return AssetObservation(asset_key=context.asset_key, metadata=metadata)


def _keep_robots(context: AssetExecutionContext, store: CatalogueStore, robots) -> None:
    try:
        save_robots_cache(store, robots)
    except Exception as exc:  # never hides the step's own outcome; fetched again next run
        context.log.warning(f"robots.txt answers not kept for the next run: {exc}")


def _validators(states: dict[str, DashboardState], key: str):
    state = states.get(key)
    return state.validators if state is not None else None


def _summary(failures: Sequence[DashboardFetch], listed: int, result: str) -> str:
    named = ", ".join(f"{f.slug} ({f.reason or f.outcome.value})" for f in failures[:10])
    more = f" and {len(failures) - 10} more" if len(failures) > 10 else ""
    head = (
        "Some tracks failed"
        if result == "partial"
        else "The dashboard sync failed: too many tracks failed"
    )
    return (
        f"{head}: {len(failures)} dashboards ({len(failures) / max(listed, 1):.1%} of "
        f"{listed} listed tracks) could not be fetched after retries: {named}{more}. Their "
        "stored data is kept; every other partition is recorded. Re-fetch only these with "
        "the Partitions tab's 'Failed' selection or `track-sync refetch`; they are also "
        "retried automatically later today."
    )


def _failure_table(failures: Sequence[DashboardFetch]) -> str:
    return markdown_table(
        ("track", "outcome", "reason"), ((f.slug, f.outcome.value, f.reason) for f in failures)
    )
