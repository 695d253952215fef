"""``CatalogueStore``: the one object the rest of track-sync uses to reach the catalogue."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from track_sync_assets.domain import DashboardFetch, Geocode, TrackListing, Validators
from track_sync_assets.store import geocode_cache, lease, raw, robots_files, runs, switches
from track_sync_assets.store.changes import HistoryEntry, SyncResult
from track_sync_assets.store.engine import (
    create_catalogue_engine,
    sqlite_file_guard,
    write_transaction,
)
from track_sync_assets.store.frames import read_frame
from track_sync_assets.store.guard import GuardVerdict, SanityGuard, evaluate_guard
from track_sync_assets.store.lock import sync_transaction
from track_sync_assets.store.migrate import current_revision, upgrade_to_head
from track_sync_assets.store.raw import DashboardState, TrackListSnapshot
from track_sync_assets.store.refresh_inputs import RefreshInput
from track_sync_assets.store.refresh_inputs import refresh_inputs as _refresh_inputs
from track_sync_assets.store.runs import RunStatus, SyncRun
from track_sync_assets.store.schema import DEFAULT_SOURCE, tracks
from track_sync_assets.store.sync import gc_paused, run_sync
from track_sync_assets.store.sync_inputs import prepare_inputs
from track_sync_assets.store.upsert import DEFAULT_BATCH_SIZE

DEFAULT_LOCK_TIMEOUT_S = 60.0


class CatalogueStore:
    """The track catalogue on SQLite or PostgreSQL: sync writes, history, raw layer, cache.

    ``database_url`` defaults to the project's SQLite file; ``lock_timeout_s`` is how long a
    write waits for another sync's lock.
    The schema is migrated on first use (``auto_migrate``) or by calling :meth:`migrate`.
    """

    def __init__(
        self,
        database_url: str | sa.engine.URL | None = None,
        *,
        source: str = DEFAULT_SOURCE,
        batch_size: int = DEFAULT_BATCH_SIZE,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        auto_migrate: bool = True,
        engine: Engine | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.engine = engine if engine is not None else create_catalogue_engine(database_url)
        self.source = source
        self.batch_size = batch_size
        self.lock_timeout_s = float(lock_timeout_s)
        self._auto_migrate = auto_migrate
        self._migrated = False
        guard = sqlite_file_guard(self.engine)
        if guard is not None:
            guard.allow_create = False  # created by migrate() only, never silently

    # --- Lifecycle. ---

    @property
    def url(self) -> str:
        """The database URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> bool:
        """Bring the schema to the latest revision (idempotent; safe from two processes)."""
        guard = sqlite_file_guard(self.engine)
        if guard is not None:
            guard.allow_create = True  # the only moment a missing SQLite file may be created
        try:
            applied = upgrade_to_head(self.engine)
        finally:
            if guard is not None:
                guard.allow_create = False
        self._migrated = True
        return applied

    def exists(self) -> bool:
        """Whether the catalogue was ever created (its schema has a revision)."""
        guard = sqlite_file_guard(self.engine)
        if guard is not None and not guard.path.exists():
            return False
        with self.engine.connect() as conn:
            return current_revision(conn) is not None

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def __enter__(self) -> CatalogueStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def _ready(self) -> None:
        if self._auto_migrate and not self._migrated:
            self.migrate()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        self._ready()
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        self._ready()
        with self.engine.connect() as conn, write_transaction(conn):
            yield conn

    @contextmanager
    def sync_lock(self, timeout_s: float | None = None) -> Iterator[Connection]:
        """Hold the sync lock (in a write transaction) for the duration of the block.

        Raises :class:`SyncInProgress` if another sync holds it longer than the timeout.
        """
        self._ready()
        wait = self.lock_timeout_s if timeout_s is None else timeout_s
        with self.engine.connect() as conn, sync_transaction(conn, wait):
            yield conn

    # --- The sync. ---

    def check_guard(
        self, listings: Sequence[TrackListing], guard: SanityGuard | None = None
    ) -> GuardVerdict:
        """Would this list pass the sanity guard against the current catalogue?"""
        with self._reading() as conn:
            active = conn.execute(
                sa.select(tracks.c.slug_key).where(
                    tracks.c.source == self.source, tracks.c.is_active
                )
            ).scalars()
            return evaluate_guard(
                {listing.slug_key for listing in listings}, list(active), guard or SanityGuard()
            )

    def apply_sync(
        self,
        run_id: str,
        listings: Sequence[TrackListing],
        dashboards: Mapping[str, DashboardState | DashboardFetch] | None = None,
        geocodes: Mapping[str, Geocode] | None = None,
        *,
        now: datetime,
        guard: SanityGuard | None = None,
    ) -> SyncResult:
        """Apply today's full track list (plus dashboards and geocodes by slug key).

        One transaction under the sync lock: tracks, history and the run's counts are
        written together or not at all. Raises :class:`TrackListRejected` (nothing
        written) when the list fails ``guard``, :class:`SyncInProgress` when another sync
        holds the lock past the timeout, ``ValueError`` on malformed input.
        """
        started = time.perf_counter()
        self._ready()
        with gc_paused(), self.engine.connect() as conn:
            inputs = prepare_inputs(listings, dashboards or {}, geocodes or {}, now)
            with sync_transaction(conn, self.lock_timeout_s):
                locked = time.perf_counter()
                result = run_sync(
                    conn,
                    source=self.source,
                    run_id=run_id,
                    inputs=inputs,
                    guard=guard or SanityGuard(),
                    batch_size=self.batch_size,
                )
                committing = time.perf_counter()
            finished = time.perf_counter()
        durations = {
            "lock_wait": round(locked - started, 4),
            **result.durations,
            "commit": round(finished - committing, 4),
            "total": round(finished - started, 4),
        }
        return dataclasses.replace(result, durations=durations)

    # --- Sync runs and history. ---

    def start_run(self, run_id: str, started_at: datetime) -> None:
        with self._writing() as conn:
            runs.start_run(conn, run_id, started_at)

    def finish_run(
        self,
        run_id: str,
        status: RunStatus | str,
        counts: Mapping[str, Any] | None = None,
        timings: Mapping[str, Any] | None = None,
        requests: Mapping[str, Any] | None = None,
        error: str | None = None,
        *,
        finished_at: datetime | None = None,
    ) -> None:
        """Record how a run ended (``None`` keeps stored counts/timings/requests)."""
        with self._writing() as conn:
            runs.finish_run(
                conn,
                run_id,
                status,
                finished_at=finished_at or _utc_now(),
                counts=counts,
                timings=timings,
                requests=requests,
                error=error,
            )

    def record_stage(
        self,
        run_id: str,
        stage: str,
        seconds: float,
        *,
        counts: Mapping[str, Any] | None = None,
        requests: Mapping[str, Any] | None = None,
    ) -> None:
        """Record one stage of a run (``timings[stage]``, ``counts[stage]``,
        ``requests[stage]``), keeping the other stages' values; creates the run if needed."""
        with self._writing() as conn:
            runs.record_stage(
                conn, run_id, stage, seconds, now=_utc_now(), counts=counts, requests=requests
            )

    def get_run(self, run_id: str) -> SyncRun | None:
        with self._reading() as conn:
            return runs.get_run(conn, run_id)

    def recent_runs(self, limit: int = 10) -> list[SyncRun]:
        with self._reading() as conn:
            return runs.recent_runs(conn, limit)

    def changes_for_run(self, run_id: str) -> list[HistoryEntry]:
        """The history rows one sync wrote."""
        with self._reading() as conn:
            return runs.history(conn, run_id=run_id, source=self.source)

    def history_for_track(self, slug: str) -> list[HistoryEntry]:
        """Every history row of one track, oldest first."""
        with self._reading() as conn:
            return runs.history(conn, source=self.source, slug_key=slug)

    # --- Reading the catalogue. ---

    def tracks_frame(self, *, active_only: bool = False) -> pd.DataFrame:
        """The ``tracks`` table of this source as a DataFrame, ordered by slug key."""
        statement = sa.select(tracks).where(tracks.c.source == self.source)
        if active_only:
            statement = statement.where(tracks.c.is_active)
        with self._reading() as conn:
            return read_frame(conn, statement.order_by(tracks.c.slug_key))

    def track_count(self, active_only: bool = True) -> int:
        statement = (
            sa.select(sa.func.count()).select_from(tracks).where(tracks.c.source == self.source)
        )
        if active_only:
            statement = statement.where(tracks.c.is_active)
        with self._reading() as conn:
            return int(conn.execute(statement).scalar_one())

    def get_track(self, slug: str) -> dict[str, Any] | None:
        """One track's row (every column), or None."""
        statement = sa.select(tracks).where(
            tracks.c.source == self.source, tracks.c.slug_key == slug.lower()
        )
        with self._reading() as conn:
            row = conn.execute(statement).mappings().first()
            return None if row is None else dict(row)

    # --- Raw layer. ---

    def save_track_list(
        self,
        run_id: str | None,
        listings: Sequence[TrackListing],
        fetched_at: datetime,
        *,
        refusal: str | None = None,
    ) -> int:
        """Store a fetched and parsed track list; returns its snapshot id. A refused list
        (``refusal``: the guard's verdict) is kept but never becomes the baseline."""
        with self._writing() as conn:
            return raw.save_track_list(conn, run_id, listings, fetched_at, refusal=refusal)

    def latest_track_list(self, *, include_refused: bool = False) -> TrackListSnapshot | None:
        """The latest accepted list (or the latest of all, refused ones included)."""
        with self._reading() as conn:
            return raw.latest_track_list(conn, include_refused=include_refused)

    def refresh_inputs(self) -> dict[str, RefreshInput]:
        """What the refresh plan needs per track (see store/refresh_inputs.py)."""
        with self._reading() as conn:
            return _refresh_inputs(conn, self.source)

    def robots_answers(self) -> dict[str, dict[str, Any]]:
        """Every kept robots.txt answer, by origin (see store/robots_files.py)."""
        with self._reading() as conn:
            return robots_files.load_robots(conn)

    def save_robots_answers(self, answers: Mapping[str, Mapping[str, Any]]) -> int:
        with self._writing() as conn:
            return robots_files.save_robots(conn, answers)

    # --- The sync lease and operator switches. ---

    def try_acquire_lease(
        self,
        owner: lease.LeaseOwner,
        *,
        stale_after_s: float = lease.DEFAULT_STALE_AFTER_S,
        accept_owner_ids: frozenset[str] = frozenset(),
    ) -> lease.LeaseAttempt:
        """Take the sync lease if free, ours, or held by a dead owner (see store/lease.py)."""
        self._ready()
        return lease.try_acquire(
            self.engine, owner, stale_after_s=stale_after_s, accept_owner_ids=accept_owner_ids
        )

    def lease_holder(self) -> lease.LeaseHolder | None:
        self._ready()
        return lease.current_holder(self.engine)

    def live_lease_holder(
        self, *, stale_after_s: float = lease.DEFAULT_STALE_AFTER_S
    ) -> lease.LeaseHolder | None:
        """The lease's holder while it may be alive (``None`` when free or held by the dead)."""
        holder = self.lease_holder()
        if holder is None or lease.holder_is_dead(holder, datetime.now(UTC), stale_after_s):
            return None
        return holder

    def heartbeat_lease(self, owner_id: str) -> bool:
        return lease.heartbeat(self.engine, owner_id)

    def release_lease(self, owner_id: str) -> bool:
        return lease.release(self.engine, owner_id)

    def switch(self, name: str) -> switches.Switch:
        """An operator switch (``switches.SCRAPING``); never set means on."""
        self._ready()
        return switches.read_switch(self.engine, name)

    def set_switch(
        self, name: str, enabled: bool, *, reason: str | None, changed_by: str
    ) -> switches.Switch:
        self._ready()
        return switches.set_switch(self.engine, name, enabled, reason=reason, changed_by=changed_by)

    def record_dashboard_fetches(
        self, run_id: str | None, fetches: Sequence[DashboardFetch]
    ) -> int:
        """Record dashboard fetch outcomes in bulk (see :mod:`store.raw` for the rules)."""
        with self._writing() as conn:
            return raw.record_dashboard_fetches(
                conn, self.source, run_id, fetches, batch_size=self.batch_size
            )

    def dashboard_validators(self, slug_keys: Iterable[str] | None = None) -> dict[str, Validators]:
        with self._reading() as conn:
            return raw.dashboard_validators(conn, self.source, slug_keys)

    def dashboard_states(self, slug_keys: Iterable[str] | None = None) -> dict[str, DashboardState]:
        with self._reading() as conn:
            return raw.dashboard_states(conn, self.source, slug_keys)

    # --- Geocode cache. ---

    def get_geocodes(self, keys: Iterable[str]) -> dict[str, Geocode]:
        """Cached geocodes by ``Address.normalized_key()``."""
        with self._reading() as conn:
            return geocode_cache.get_geocodes(conn, keys)

    def put_geocodes(
        self, mapping: Mapping[str, Geocode], *, geocoded_at: datetime | None = None
    ) -> int:
        with self._writing() as conn:
            return geocode_cache.put_geocodes(
                conn, mapping, geocoded_at=geocoded_at, batch_size=self.batch_size
            )


def _utc_now() -> datetime:
    return datetime.now(UTC)
