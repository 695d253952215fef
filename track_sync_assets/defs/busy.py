"""What sync work is under way: asked by the schedule and the retry sensor before they start
more (a run they start meanwhile would only wait for the sync lease, up to 15 minutes).

Work is under way when the sync lease has a live holder, or a run of the sync's assets is
queued or running, or a backfill of them is active. Without a live lease holder, a run or
backfill counts for an hour after its last update at most: a run left ``STARTED`` by a process
that died before its first step (so no sensor can close it) must not hold the schedule off
for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from track_sync_assets.defs.chaining import IN_PROGRESS
from track_sync_assets.defs.dagster_internals import active_backfills
from track_sync_assets.defs.jobs import JOB_ASSETS, run_assets
from track_sync_assets.defs.runs import LIST_KEY
from track_sync_assets.defs.tags import TARGET_TAG
from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.lease import LeaseHolder

SYNC_JOB_ASSETS = frozenset().union(*JOB_ASSETS.values())
"""Every asset of the three sync jobs."""
UNCONFIRMED_FOR = timedelta(hours=1)
"""How long a run or backfill counts as under way without a live lease holder."""
SYNC_COMMAND = "track-sync sync ("
"""How the lease of a ``track-sync sync`` command is described (operator/runner.py)."""


@dataclass(frozen=True, slots=True)
class Work:
    """One piece of sync work under way."""

    description: str
    whole_sync: bool
    """A whole sync (a track-list run, the day's plan run, ``track-sync sync``), not a repair
    or a selection."""


def work_under_way(instance: DagsterInstance, store: CatalogueStore) -> list[Work]:
    """The sync work under way now (see the module docstring), whole syncs first."""
    now = datetime.now(UTC)
    holder = store.live_lease_holder()
    live = holder is not None
    found: list[Work] = []
    if live and holder.owner_kind == "cli":
        found.append(_held(holder, (holder.description or "").startswith(SYNC_COMMAND)))
    for record in instance.get_run_records(filters=RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        if run_assets(run) & SYNC_JOB_ASSETS and (
            live or now - record.update_timestamp < UNCONFIRMED_FOR
        ):
            found.append(Work(_describe(run), _whole_sync(run)))
    for backfill in active_backfills(instance):
        created = datetime.fromtimestamp(backfill.created, UTC)
        if backfill.assets & SYNC_JOB_ASSETS and (live or now - created < UNCONFIRMED_FOR):
            found.append(
                Work(f"backfill {backfill.backfill_id} is active", LIST_KEY in backfill.assets)
            )
    if live and not found:  # a step holds it for a run no longer counted above
        found.append(_held(holder, False))
    return sorted(found, key=lambda work: not work.whole_sync)


def busy_reason(instance: DagsterInstance, store: CatalogueStore) -> str | None:
    """Why more sync work should wait now (``None``: nothing is under way)."""
    work = work_under_way(instance, store)
    return work[0].description if work else None


def whole_sync_reason(instance: DagsterInstance, store: CatalogueStore) -> str | None:
    """Why a new whole sync would repeat one under way (``None``: none is)."""
    work = [w for w in work_under_way(instance, store) if w.whole_sync]
    return work[0].description if work else None


def _held(holder: LeaseHolder, whole_sync: bool) -> Work:
    return Work(f"the sync lease is held by {holder.describe()}", whole_sync)


def _whole_sync(run: DagsterRun) -> bool:
    return LIST_KEY in run_assets(run) or run.tags.get(TARGET_TAG) == "plan"


def _describe(run: DagsterRun) -> str:
    state = "running" if run.status == DagsterRunStatus.STARTED else run.status.value
    return f"run {run.run_id[:8]} ({run.job_name}) is {state.lower().replace('_', ' ')}"
