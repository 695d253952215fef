"""Every Dagster API this project uses that is not public in 1.13, in one place.

Each has no public equivalent (checked against the 1.13.27 public API); a test
(``track_sync_tests/dagster/test_definitions.py``) fails loudly if one moves or
changes, and another asserts that no other module imports ``dagster._``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dagster import AssetKey, DagsterInstance
from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    BACKFILL_ID_TAG,
)

__all__ = [
    "ASSET_PARTITION_RANGE_END_TAG",
    "ASSET_PARTITION_RANGE_START_TAG",
    "BACKFILL_ID_TAG",
    "AssetCheckExecutionRecordStatus",
    "BackfillState",
    "active_backfills",
    "backfill_state",
    "free_pool_slots",
    "range_tags",
]

_ACTIVE = [BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING]


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags selecting the partitions ``start``..``end`` (in partition order): the only
    way a run request names a partition range (``RunRequest`` takes one key)."""
    return {ASSET_PARTITION_RANGE_START_TAG: start, ASSET_PARTITION_RANGE_END_TAG: end}


@dataclass(frozen=True, slots=True)
class BackfillState:
    """What a sensor needs to know of a backfill the UI launched."""

    backfill_id: str
    finished: bool
    assets: frozenset[AssetKey]
    created: float = 0.0
    """When it was launched (Unix time)."""


def backfill_state(instance: DagsterInstance, backfill_id: str) -> BackfillState | None:
    """Whether a backfill has finished and which assets it targets (``None``: unknown)."""
    backfill = instance.get_backfill(backfill_id)
    if backfill is None:
        return None
    return BackfillState(
        backfill_id=backfill_id,
        finished=backfill.status not in _ACTIVE,
        assets=frozenset(backfill.asset_selection or ()),
        created=backfill.backfill_timestamp,
    )


def active_backfills(instance: DagsterInstance) -> list[BackfillState]:
    """Backfills still launching or running runs."""
    return [
        BackfillState(
            b.backfill_id, False, frozenset(b.asset_selection or ()), b.backfill_timestamp
        )
        for b in instance.get_backfills(filters=BulkActionsFilter(statuses=_ACTIVE))
    ]


def free_pool_slots(instance: DagsterInstance, run_id: str) -> None:
    """Give back the concurrency-pool slots a dead run still holds."""
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
