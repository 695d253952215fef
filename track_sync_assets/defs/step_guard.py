"""What every step that talks to LiveRC or writes the catalogue does first.

It records which process runs it (so a dead run can be closed), takes the sync lease
(waiting, with a log line, while another sync holds it; entering it when the command that
launched this run holds it), keeps the lease's heartbeat, and gives the step a stop check
that sees ``track-sync scraping off`` at once.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dagster import AssetExecutionContext, Failure

from track_sync_assets.defs.resources import LiveRCResource, SyncPolicyResource
from track_sync_assets.defs.runs import current_run
from track_sync_assets.defs.tags import HOST_TAG, LEASE_TAG, PID_RUN_TAG, PID_TAG
from track_sync_assets.errors import error_line
from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.lease import LeaseOwner

HEARTBEAT_S = 30.0
WAIT_LOG_EVERY_S = 30.0
POLL_S = 1.0
HOLD_STARTS = ("sync lease taken", "inside the sync lease")
"""How the debug line that opens a step's hold on the lease begins: its own, or the lease of
the command that launched its run. The owner's id follows in brackets."""
HOLD_ENDS = ("sync lease given back", "leaving the sync lease")
"""How the matching closing line begins; it is logged while the lease is still held."""


@contextmanager
def sync_step(
    context: AssetExecutionContext, store: CatalogueStore, policy: SyncPolicyResource
) -> Iterator[None]:
    """Hold the sync lease for the duration of the step (see the module docstring)."""
    run = current_run(context)
    if run is None:  # called directly (a unit test): only the lease
        with _lease(context, store, policy, LeaseOwner("run", "a direct call"), frozenset()):
            yield
        return
    if run.tags.get(PID_TAG) != str(os.getpid()) or run.tags.get(PID_RUN_TAG) != run.run_id:
        context.instance.add_run_tags(
            run.run_id,
            {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname(), PID_RUN_TAG: run.run_id},
        )
    owner = LeaseOwner("run", f"run {run.run_id[:8]} of {run.job_name} ({context.asset_key})")
    # A re-execution copies its parent's tags: only a first execution enters the lease of
    # the command that launched it.
    own_tag = LEASE_TAG in run.tags and run.parent_run_id is None
    accepted = frozenset({run.tags[LEASE_TAG]}) if own_tag else frozenset()
    with _lease(context, store, policy, owner, accepted):
        yield


@contextmanager
def _lease(
    context: AssetExecutionContext,
    store: CatalogueStore,
    policy: SyncPolicyResource,
    owner: LeaseOwner,
    accepted: frozenset[str],
) -> Iterator[None]:
    waited_since = time.monotonic()
    logged = waited_since - WAIT_LOG_EVERY_S
    while True:
        attempt = store.try_acquire_lease(owner, accept_owner_ids=accepted)
        if attempt.acquired:
            break
        waited = time.monotonic() - waited_since
        holder = attempt.holder.describe() if attempt.holder else "another sync"
        if waited > policy.lease_wait_s:
            raise Failure(
                description=f"Another sync is running: {holder}; waited {waited:.0f} s "
                f"(sync_policy.lease_wait_s = {policy.lease_wait_s:g}).",
                allow_retries=False,
            )
        if time.monotonic() - logged >= WAIT_LOG_EVERY_S:
            context.log.info(f"waiting for the sync lease held by {holder}")
            logged = time.monotonic()
        time.sleep(POLL_S)
    if attempt.replaced is not None:
        context.log.warning(
            f"took over the sync lease from {attempt.replaced.describe()}: "
            f"{attempt.replaced_because}"
        )
    holder_now = store.lease_holder()
    own = holder_now is not None and holder_now.owner_id == owner.owner_id
    waited = time.monotonic() - waited_since
    if own:
        hold = f"[{owner.owner_id}] by {owner.description}"
        context.log.debug(f"{HOLD_STARTS[0]} {hold} after waiting {waited:.1f} s")
    else:
        hold = f"[{holder_now.owner_id}] of {holder_now.describe()}" if holder_now else "[?]"
        context.log.debug(f"{HOLD_STARTS[1]} {hold}")
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(store, owner.owner_id, stop), name="lease-heartbeat", daemon=True
    )
    if own:
        beat.start()
    try:
        yield
    finally:
        if not own:
            context.log.debug(f"{HOLD_ENDS[1]} {hold}")
        else:
            stop.set()
            beat.join(timeout=5)
            context.log.debug(f"{HOLD_ENDS[0]} {hold}")
            if not store.release_lease(owner.owner_id):
                context.log.warning(
                    "the sync lease was no longer ours to give back: another sync took it "
                    "over (this step's heartbeat had stopped for too long)"
                )


def _heartbeat(store: CatalogueStore, owner_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_S):
        try:
            store.heartbeat_lease(owner_id)
        except Exception:  # a missed beat is retried; the lease is stale only after minutes
            continue


class StopCheck:
    """The client's stop check: the kill switches, read at most every ``interval_s``."""

    def __init__(
        self, liverc: LiveRCResource, store: CatalogueStore, interval_s: float = 0.25
    ) -> None:
        self._read: Callable[[], str | None] = lambda: liverc.stop_reason(store)
        self._interval_s = interval_s
        self._checked = 0.0
        self._reason: str | None = None
        self._lock = threading.Lock()

    def __call__(self) -> str | None:
        with self._lock:
            if self._reason is None and time.monotonic() - self._checked >= self._interval_s:
                try:
                    self._reason = self._read()
                except Exception as error:  # no catalogue, no fetching: stop with the cause
                    self._reason = f"the catalogue cannot be read: {error_line(error)}"
                self._checked = time.monotonic()
            return self._reason
