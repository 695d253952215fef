"""The write path: today's list, dashboards and geocodes into ``tracks``, with history.

Rules (docs/store.md):

* Each listed track's new row is its stored row merged with what this run knows: the
  listing always; dashboard fields only from a good parse (a fetch that failed, was not
  modified, disallowed, gone or skipped leaves them alone); geocode fields only for slugs
  given a geocode. Every written row carries every sync-owned column, so rows in one
  batch never disagree on their column set and nothing is wiped by omission.
* Rows whose values did not change are not rewritten: only ``last_seen_at`` moves, in bulk.
* Active tracks missing from the list are deactivated, once the list passed the guard.
* A stored track missing from the list (departed) still takes its dashboard and geocode
  inputs, by the same rules, without its listing: an ``updated`` change when a catalogue
  field changed, and it stays inactive (only the list reactivates a track).
* Everything happens in the caller's one transaction, under the sync lock.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.store import upsert
from track_sync_assets.store.changes import (
    CATALOGUE_COLUMNS,
    ChangeKind,
    FieldChange,
    SyncResult,
    TrackChange,
    catalogue_changes,
    encode_value,
    volatile_changes,
)
from track_sync_assets.store.errors import TrackListRejected
from track_sync_assets.store.guard import SanityGuard, evaluate_guard
from track_sync_assets.store.runs import ensure_run, merge_run_details
from track_sync_assets.store.schema import (
    FETCH_STATE_COLUMNS,
    SYNC_OWNED_COLUMNS,
    UPDATABLE_COLUMNS,
    track_changes,
    tracks,
)
from track_sync_assets.store.sync_inputs import SyncInputs, dashboard_values

KEY_COLUMNS = ("source", "slug_key")
CATALOGUE_STAGE = "catalogue"
"""The key under which a sync's counts are stored in ``sync_runs.counts``."""
_LOADED_COLUMNS = (*KEY_COLUMNS, *SYNC_OWNED_COLUMNS)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk step.

    A sync builds a few objects per track and per field (millions for 100,000 tracks)
    and none of them form reference cycles: reference counting frees them all, while the
    collector would re-scan every live object over and over (about half the planning
    time at 100,000 tracks).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_tracks(conn: Connection, source: str) -> dict[str, dict[str, Any]]:
    """Every stored track of ``source`` (sync-owned columns), by slug key, in one query."""
    statement = sa.select(*(tracks.c[name] for name in _LOADED_COLUMNS)).where(
        tracks.c.source == source
    )
    return {row["slug_key"]: dict(row) for row in conn.execute(statement).mappings()}


# --- Planning: pure Python, no database. ---


@dataclass(slots=True)
class SyncPlan:
    """What a sync will write."""

    upserts: list[dict[str, Any]] = field(default_factory=list)
    touch_keys: list[str] = field(default_factory=list)
    deactivate_keys: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    changes: list[TrackChange] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    refreshed_fields: Counter[str] = field(default_factory=Counter)
    ignored_dashboards: tuple[str, ...] = ()
    """Dashboard inputs for slug keys neither listed nor stored (nothing to apply them to)."""


def _new_row(source: str, key: str, now: datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SYNC_OWNED_COLUMNS)
    row.update(
        source=source,
        slug_key=key,
        is_active=True,
        first_seen_at=now,
        created_at=now,
        updated_at=now,
        last_seen_at=now,
    )
    return row


def _merge(row: dict[str, Any], key: str, inputs: SyncInputs) -> None:
    """Apply this run's knowledge of listed track ``key`` to ``row`` (in place)."""
    row.update(inputs.listing_rows[key])
    _merge_fetched(row, key, inputs)


def _merge_fetched(row: dict[str, Any], key: str, inputs: SyncInputs) -> None:
    """Apply track ``key``'s dashboard and geocode inputs to ``row`` (in place): a good
    parse not older than the row's, the latest attempt's fetch state, the geocode."""
    update = inputs.dashboards.get(key)
    if update is not None:
        parsed_before = row["dashboard_parsed_at"]
        if update.dashboard is not None and (
            parsed_before is None or update.parsed_at >= parsed_before
        ):
            row.update(dashboard_values(update.dashboard))
            row["dashboard_parsed_at"] = update.parsed_at
        attempted_before = row["dashboard_fetched_at"]
        if update.outcome is not None and (
            attempted_before is None or update.attempted_at >= attempted_before
        ):
            row["dashboard_status"] = update.outcome.value
            row["dashboard_error"] = update.reason
            row["dashboard_fetched_at"] = update.attempted_at
            if update.validators is not None:
                row["dashboard_etag"] = update.validators.etag
                row["dashboard_last_modified"] = update.validators.last_modified
                row["dashboard_content_hash"] = update.validators.content_hash
    geocode = inputs.geocodes.get(key)
    if geocode is not None:
        row.update(geocode)


def _history_row(
    run_id: str,
    source: str,
    key: str,
    kind: ChangeKind,
    now: datetime,
    field_name: str | None,
    old: Any,
    new: Any,
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "source": source,
        "slug_key": key,
        "field": field_name,
        "old_value": encode_value(old),
        "new_value": encode_value(new),
        "kind": kind.value,
        "changed_at": now,
    }


def plan_sync(
    stored: Mapping[str, Mapping[str, Any]], inputs: SyncInputs, *, source: str, run_id: str
) -> SyncPlan:
    """Compare the inputs with the stored rows and decide every write."""
    plan = SyncPlan()
    now = inputs.now
    for key in inputs.listing_rows:
        old = stored.get(key)
        if old is None:
            _plan_added(plan, key, inputs, source=source, run_id=run_id)
            continue
        row = dict(old)
        _merge(row, key, inputs)
        changes = catalogue_changes(old, row)
        refreshed = volatile_changes(old, row)
        if not old["is_active"]:
            kind = ChangeKind.REACTIVATED
            row["is_active"] = True
            row["deactivated_at"] = None
            changes.insert(0, FieldChange("is_active", False, True))
        elif changes:
            kind = ChangeKind.UPDATED
        elif refreshed:
            kind = ChangeKind.REFRESHED
        else:
            kind = ChangeKind.UNCHANGED
        plan.counts[kind.value] += 1
        plan.refreshed_fields.update(refreshed)
        row["last_seen_at"] = now
        if kind is not ChangeKind.UNCHANGED:
            row["updated_at"] = now
        if kind in (ChangeKind.UPDATED, ChangeKind.REACTIVATED):
            plan.changes.append(TrackChange(row["slug"], row["name"], kind, tuple(changes)))
            plan.history.extend(
                _history_row(run_id, source, key, kind, now, c.field, c.old, c.new) for c in changes
            )
        state_changed = any(old[name] != row[name] for name in FETCH_STATE_COLUMNS)
        if kind is ChangeKind.UNCHANGED and not state_changed:
            plan.touch_keys.append(key)
        else:
            plan.upserts.append(row)
    for key, old in stored.items():
        if key in inputs.listing_rows:
            continue
        if old["is_active"]:
            plan.counts[ChangeKind.DEACTIVATED.value] += 1
            kind = ChangeKind.DEACTIVATED
            change = FieldChange("is_active", True, False)
            plan.changes.append(TrackChange(old["slug"], old["name"], kind, (change,)))
            plan.history.append(
                _history_row(run_id, source, key, kind, now, "is_active", True, False)
            )
        fetched = key in inputs.dashboards or key in inputs.geocodes
        upserted = fetched and _plan_departed(plan, key, old, inputs, source=source, run_id=run_id)
        if old["is_active"] and not upserted:  # an upsert deactivates it itself
            plan.deactivate_keys.append(key)
    plan.ignored_dashboards = tuple(
        sorted(
            key for key in inputs.dashboards if key not in inputs.listing_rows and key not in stored
        )
    )
    return plan


def _plan_departed(
    plan: SyncPlan,
    key: str,
    old: Mapping[str, Any],
    inputs: SyncInputs,
    *,
    source: str,
    run_id: str,
) -> bool:
    """A stored track off the list with dashboard or geocode inputs (departed, possibly in
    this very sync): apply them to its row, which stays (or becomes) inactive. Returns
    whether the row is upserted.

    A catalogue-field change is an ``updated`` change with history, marked departed; the
    listing fields and ``last_seen_at`` keep their last listed values.
    """
    now = inputs.now
    row = dict(old)
    _merge_fetched(row, key, inputs)
    if old["is_active"]:  # leaving the list with this sync: the upsert deactivates it
        row["is_active"] = False
        row["deactivated_at"] = now
        row["updated_at"] = now
    changes = catalogue_changes(old, row)
    refreshed = volatile_changes(old, row)
    if changes or refreshed:
        row["updated_at"] = now
    if changes:
        kind = ChangeKind.UPDATED
        plan.counts[kind.value] += 1
        plan.changes.append(
            TrackChange(row["slug"], row["name"], kind, tuple(changes), departed=True)
        )
        plan.history.extend(
            _history_row(run_id, source, key, kind, now, c.field, c.old, c.new) for c in changes
        )
    state_changed = any(old[name] != row[name] for name in FETCH_STATE_COLUMNS)
    if not (changes or refreshed or state_changed):
        return False
    plan.upserts.append(row)
    return True


def _plan_added(plan: SyncPlan, key: str, inputs: SyncInputs, *, source: str, run_id: str) -> None:
    row = _new_row(source, key, inputs.now)
    _merge(row, key, inputs)
    record = {name: row[name] for name in CATALOGUE_COLUMNS if row[name] is not None}
    kind = ChangeKind.ADDED
    plan.counts[kind.value] += 1
    plan.upserts.append(row)
    fields = tuple(FieldChange(name, None, value) for name, value in record.items())
    plan.changes.append(TrackChange(row["slug"], row["name"], kind, fields))
    plan.history.append(_history_row(run_id, source, key, kind, inputs.now, None, None, record))


# --- Writing. ---


def write_plan(
    conn: Connection, plan: SyncPlan, *, source: str, now: datetime, batch_size: int
) -> None:
    """Write the plan (bulk statements only; the caller owns the transaction)."""
    upsert.upsert_rows(
        conn,
        tracks,
        plan.upserts,
        key_columns=KEY_COLUMNS,
        update_columns=UPDATABLE_COLUMNS,
        batch_size=batch_size,
    )
    of_source = sa.update(tracks).where(tracks.c.source == source)
    upsert.update_where_in(
        conn, of_source.values(last_seen_at=now), tracks.c.slug_key, plan.touch_keys
    )
    upsert.update_where_in(
        conn,
        of_source.values(is_active=False, deactivated_at=now, updated_at=now),
        tracks.c.slug_key,
        plan.deactivate_keys,
    )
    upsert.insert_rows(conn, track_changes, plan.history, batch_size=batch_size)


def run_sync(
    conn: Connection,
    *,
    source: str,
    run_id: str,
    inputs: SyncInputs,
    guard: SanityGuard,
    batch_size: int,
) -> SyncResult:
    """Load, compare, guard and write one sync inside the caller's locked transaction."""
    started = time.perf_counter()
    stored = load_tracks(conn, source)
    loaded = time.perf_counter()
    active = [key for key, row in stored.items() if row["is_active"]]
    verdict = evaluate_guard(inputs.listing_rows.keys(), active, guard)
    if not verdict.passes:
        raise TrackListRejected(verdict)
    plan = plan_sync(stored, inputs, source=source, run_id=run_id)
    planned = time.perf_counter()
    counts = {kind.value: plan.counts.get(kind.value, 0) for kind in ChangeKind}
    ensure_run(conn, run_id, inputs.now)
    write_plan(conn, plan, source=source, now=inputs.now, batch_size=batch_size)
    merge_run_details(
        conn,
        run_id,
        started_at=inputs.now,
        counts={CATALOGUE_STAGE: {"listed": len(inputs.listing_rows), **counts}},
    )
    written = time.perf_counter()
    return SyncResult(
        run_id=run_id,
        source=source,
        listed=len(inputs.listing_rows),
        counts=counts,
        changes=tuple(plan.changes),
        refreshed_fields=dict(plan.refreshed_fields),
        guard=verdict,
        rows_written=len(plan.upserts) + len(plan.deactivate_keys),
        history_rows=len(plan.history),
        durations={
            "load": round(loaded - started, 4),
            "detect": round(planned - loaded, 4),
            "write": round(written - planned, 4),
        },
        duplicate_slugs=inputs.duplicate_slugs,
        ignored_dashboards=plan.ignored_dashboards,
    )
