"""The sync lease: at most one sync talks to LiveRC and writes the catalogue at a time.

A lease is a row of ``sync_lease`` naming its owner (an id, a kind, the process id and
host, a description) with a heartbeat. Every operation is one atomic statement
(compare-and-swap on the owner id), so two processes racing for it cannot both win, on
SQLite or PostgreSQL. A holder that died is detected and replaced:

* on the same host, at once, when its process id no longer exists;
* anywhere, when its heartbeat is older than ``stale_after_s``.

A holder may re-enter its own lease (a command that runs the steps of its own runs).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from track_sync_assets.store.engine import write_transaction
from track_sync_assets.store.schema import as_utc, sync_lease

SYNC_LEASE = "sync"
DEFAULT_STALE_AFTER_S = 300.0
"""A heartbeat older than this (5 minutes) frees the lease, whatever the host."""


@dataclass(frozen=True, slots=True)
class LeaseOwner:
    """Who holds (or wants) the lease."""

    kind: str
    """``cli`` (a track-sync command) or ``run`` (a Dagster run's step)."""
    description: str
    owner_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    pid: int = field(default_factory=os.getpid)
    host: str = field(default_factory=socket.gethostname)


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """The row of a held lease."""

    owner_id: str
    owner_kind: str
    owner_pid: int | None
    owner_host: str | None
    description: str | None
    acquired_at: datetime
    heartbeat_at: datetime

    def describe(self) -> str:
        where = f"pid {self.owner_pid} on {self.owner_host}" if self.owner_pid else "unknown"
        return (
            f"{self.description or self.owner_kind} ({where}, since "
            f"{self.acquired_at:%Y-%m-%d %H:%M:%S} UTC, heartbeat "
            f"{self.heartbeat_at:%H:%M:%S} UTC)"
        )


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_is_dead(holder: LeaseHolder, now: datetime, stale_after_s: float) -> str | None:
    """Why the holder counts as gone (``None`` while it may be alive)."""
    if (
        holder.owner_host == socket.gethostname()
        and holder.owner_pid is not None
        and not process_alive(holder.owner_pid)
    ):
        return f"its process {holder.owner_pid} on {holder.owner_host} no longer exists"
    if now - holder.heartbeat_at > timedelta(seconds=stale_after_s):
        return f"no heartbeat for {(now - holder.heartbeat_at).total_seconds():.0f} s"
    return None


def current_holder(engine: Engine, name: str = SYNC_LEASE) -> LeaseHolder | None:
    """The lease's holder now (``None`` when free)."""
    with engine.connect() as conn:
        statement = sa.select(sync_lease).where(sync_lease.c.name == name)
        row = conn.execute(statement).mappings().first()
    if row is None:
        return None
    return LeaseHolder(
        owner_id=row["owner_id"],
        owner_kind=row["owner_kind"],
        owner_pid=row["owner_pid"],
        owner_host=row["owner_host"],
        description=row["description"],
        acquired_at=as_utc(row["acquired_at"]),
        heartbeat_at=as_utc(row["heartbeat_at"]),
    )


@dataclass(frozen=True, slots=True)
class LeaseAttempt:
    """The answer to one attempt: acquired (maybe after replacing a dead holder) or not."""

    acquired: bool
    holder: LeaseHolder | None
    """Who holds it when not acquired."""
    replaced: LeaseHolder | None = None
    replaced_because: str | None = None


def try_acquire(
    engine: Engine,
    owner: LeaseOwner,
    *,
    now: datetime | None = None,
    stale_after_s: float = DEFAULT_STALE_AFTER_S,
    name: str = SYNC_LEASE,
    accept_owner_ids: frozenset[str] = frozenset(),
) -> LeaseAttempt:
    """Take the lease if it is free, ours (``owner.owner_id`` or one of
    ``accept_owner_ids``: re-entry), or held by a dead owner. Each write is its own transaction."""
    now = as_utc(now or datetime.now(UTC))
    values = {
        "owner_id": owner.owner_id,
        "owner_kind": owner.kind,
        "owner_pid": owner.pid,
        "owner_host": owner.host,
        "description": owner.description,
        "acquired_at": now,
        "heartbeat_at": now,
    }
    for _ in range(3):
        holder = current_holder(engine, name)
        if holder is None:
            try:
                with engine.connect() as conn, write_transaction(conn):
                    conn.execute(sa.insert(sync_lease).values(name=name, **values))
                return LeaseAttempt(True, None)
            except sa.exc.IntegrityError:
                continue  # somebody else inserted first: look again
        if holder.owner_id == owner.owner_id or holder.owner_id in accept_owner_ids:
            return LeaseAttempt(True, None)
        reason = holder_is_dead(holder, now, stale_after_s)
        if reason is None:
            return LeaseAttempt(False, holder)
        with engine.connect() as conn, write_transaction(conn):
            swapped = conn.execute(
                sa.update(sync_lease)
                .where(sync_lease.c.name == name, sync_lease.c.owner_id == holder.owner_id)
                .values(**values)
            ).rowcount
        if swapped == 1:
            return LeaseAttempt(True, None, replaced=holder, replaced_because=reason)
    return LeaseAttempt(False, current_holder(engine, name))


def heartbeat(engine: Engine, owner_id: str, *, name: str = SYNC_LEASE) -> bool:
    """Refresh the heartbeat; False when the lease is no longer ours."""
    with engine.connect() as conn, write_transaction(conn):
        return (
            conn.execute(
                sa.update(sync_lease)
                .where(sync_lease.c.name == name, sync_lease.c.owner_id == owner_id)
                .values(heartbeat_at=datetime.now(UTC))
            ).rowcount
            == 1
        )


def release(engine: Engine, owner_id: str, *, name: str = SYNC_LEASE) -> bool:
    """Give the lease back; False when it was not ours (any more)."""
    with engine.connect() as conn, write_transaction(conn):
        return (
            conn.execute(
                sa.delete(sync_lease).where(
                    sync_lease.c.name == name, sync_lease.c.owner_id == owner_id
                )
            ).rowcount
            == 1
        )
