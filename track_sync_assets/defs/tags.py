"""Run tags and names shared by the assets, sensors and the command line."""

from __future__ import annotations

GROUP = "track_sync"

SYNC_ID_TAG = "track_sync/sync_id"
"""The run id of the run that started a sync; carried by its later runs and retries."""

TARGET_TAG = "track_sync/target"
"""Which dashboards a run fetches inside its partition range: ``plan`` (the day's refresh
plan) or ``repair`` (failed and never-fetched tracks). Without it (a selection made in the
UI) the run fetches every partition of its range."""

FULL_REFRESH_TAG = "track_sync/full_refresh"
"""``true``: the plan fetches every listed track (``track-sync sync --full``)."""

RESULT_TAG = "track_sync/result"
"""Set by the dashboards step: ``complete``, ``partial`` (some tracks failed) or ``failed``."""

FAILURE_SHARE_TAG = "track_sync/failure_share"
"""Set by the dashboards step: failed tracks / listed tracks, as a decimal string."""

RETRY_TAG = "track_sync/retry"
"""``N``: the N-th automatic retry of the failed tracks of the sync in ``SYNC_ID_TAG``."""

LEASE_TAG = "track_sync/lease"
"""The owner id of the sync lease the command that launched this run holds: the run's
steps may enter that lease instead of waiting for it."""

STARTED_BY_TAG = "track_sync/started_by"
"""Who or what started the run: ``schedule``, ``sensor``, ``retry``, ``cli:user@host``
or ``ui`` (open-source Dagster knows no user behind a UI launch)."""

REASON_TAG = "track_sync/reason"
"""The operator's ``--reason`` for a command-line run."""

PID_TAG = "track_sync/pid"
HOST_TAG = "track_sync/host"
PID_RUN_TAG = "track_sync/pid_run"
"""The process executing the run and its host (set when the run starts): a run whose
process is gone is closed by the next command or the ``close_dead_runs`` sensor.
``PID_RUN_TAG`` names the run that wrote them: a re-execution copies its parent's tags,
which then describe the parent's process, not its own."""

LAUNCHED_BY_CLI_TAG = "track_sync/launched_by"
"""``cli`` on runs of ``track-sync sync``/``refetch``: the command chains its own runs,
so the chaining sensors leave them alone."""
