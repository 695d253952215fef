"""Run tags and names shared by the assets, jobs, sensors and the ``track-sync sync`` runner."""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

TRACK_PARTITIONS = DynamicPartitionsDefinition(name="liverc_tracks")
"""One partition per LiveRC track (the lower-case slug). Never deleted: a track that
leaves LiveRC's rolling list keeps its partition and its history."""

LANE_TAG = "track_sync/lane"
LANE_VALUE = "liverc"
"""Every sync job carries ``{LANE_TAG: LANE_VALUE}``; dagster.yaml allows one such run at a time."""

SYNC_ID_TAG = "track_sync/sync_id"
"""The run id of the track-list run that started a sync; carried by its later runs."""

RESULT_TAG = "track_sync/result"
"""Set by the dashboards step: ``complete``, ``partial`` (some tracks failed) or ``failed``."""

LIVERC_POOL = "liverc"
"""Concurrency pool of the steps that talk to LiveRC (limit in dagster.yaml)."""

GROUP = "track_sync"

LAUNCHED_BY_TAG = "track_sync/launched_by"
"""Runs started by ``track-sync sync``/``refetch`` carry ``{LAUNCHED_BY_TAG: "cli"}``; the
sensors leave them alone (the command chains its own runs)."""
