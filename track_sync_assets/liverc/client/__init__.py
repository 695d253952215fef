"""The polite, fault-tolerant async HTTP client for LiveRC (no Dagster, no database).

Typical use::

    async with LiveRCClient(ClientSettings.from_env()) as client:
        track_list = await client.fetch_track_list()
        fetches = await client.fetch_dashboards((t.slug, None) for t in track_list.listings)
        metadata = client.stats.snapshot()
"""

from __future__ import annotations

from track_sync_assets.liverc.client.budget import AdaptiveRate, PolitenessBudget
from track_sync_assets.liverc.client.errors import (
    ClientConfigError,
    LiveRCClientError,
    ScrapingDisabled,
    TrackListInvalid,
    TrackListUnavailable,
)
from track_sync_assets.liverc.client.http import LiveRCClient, TrackListFetch
from track_sync_assets.liverc.client.identity import package_version, user_agent
from track_sync_assets.liverc.client.retry import (
    RETRYABLE_STATUSES,
    backoff_delay,
    parse_retry_after,
    retry_delay,
)
from track_sync_assets.liverc.client.settings import ENV_VARS, ClientSettings, scraping_enabled
from track_sync_assets.liverc.client.stats import ClientStats
from track_sync_assets.liverc.client.urls import Allowlist, InvalidSlug, validate_slug

__all__ = [
    "ENV_VARS",
    "RETRYABLE_STATUSES",
    "AdaptiveRate",
    "Allowlist",
    "ClientConfigError",
    "ClientSettings",
    "ClientStats",
    "InvalidSlug",
    "LiveRCClient",
    "LiveRCClientError",
    "PolitenessBudget",
    "ScrapingDisabled",
    "TrackListFetch",
    "TrackListInvalid",
    "TrackListUnavailable",
    "backoff_delay",
    "package_version",
    "parse_retry_after",
    "retry_delay",
    "scraping_enabled",
    "user_agent",
    "validate_slug",
]
