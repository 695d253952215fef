"""The partitions of ``track_dashboards``: one per LiveRC track."""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

TRACK_PARTITIONS = DynamicPartitionsDefinition(name="liverc_tracks")
"""One partition per LiveRC track (the lower-case slug), registered by the track-list
asset. A track off LiveRC's list for longer than the departed window loses its partition
(its history stays in the event log) and gets a new one if it comes back."""
