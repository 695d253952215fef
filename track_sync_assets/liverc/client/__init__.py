"""The polite, fault-tolerant async HTTP client for LiveRC (no Dagster, no database,
no environment variables).

Typical use::

    async with LiveRCClient(settings, stop_requested=kill_switch) as client:
        track_list = await client.fetch_track_list()
        fetches = await client.fetch_dashboards((t.slug, None) for t in track_list.listings)
        metadata = client.stats.snapshot()

or, from synchronous code, :func:`fetch_track_list` and :func:`stream_dashboards`.
"""

from __future__ import annotations

from track_sync_assets.liverc.client.budget import PolitenessBudget
from track_sync_assets.liverc.client.congestion import AdaptiveRate, CongestionControl, Signal
from track_sync_assets.liverc.client.errors import (
    ClientConfigError,
    LiveRCClientError,
    ScrapingDisabled,
    TrackListInvalid,
    TrackListUnavailable,
)
from track_sync_assets.liverc.client.identity import package_version, user_agent
from track_sync_assets.liverc.client.liverc import LiveRCClient, TrackListFetch
from track_sync_assets.liverc.client.retry import (
    RETRYABLE_STATUSES,
    backoff_delay,
    parse_retry_after,
    retry_delay,
)
from track_sync_assets.liverc.client.robots_cache import (
    CachedRobots,
    InMemoryRobotsCache,
    RobotsCache,
)
from track_sync_assets.liverc.client.settings import ClientSettings
from track_sync_assets.liverc.client.stats import ClientStats
from track_sync_assets.liverc.client.stream import (
    DashboardStream,
    fetch_track_list,
    stream_dashboards,
)
from track_sync_assets.liverc.client.transport import PoliteTransport, StopRequested
from track_sync_assets.liverc.client.urls import (
    DEFAULT_TRACK_URL_TEMPLATE,
    Allowlist,
    InvalidSlug,
    liverc_track_url,
    track_url,
    validate_slug,
)

__all__ = [
    "DEFAULT_TRACK_URL_TEMPLATE",
    "RETRYABLE_STATUSES",
    "AdaptiveRate",
    "Allowlist",
    "CachedRobots",
    "ClientConfigError",
    "ClientSettings",
    "ClientStats",
    "CongestionControl",
    "DashboardStream",
    "InMemoryRobotsCache",
    "InvalidSlug",
    "LiveRCClient",
    "LiveRCClientError",
    "PoliteTransport",
    "PolitenessBudget",
    "RobotsCache",
    "ScrapingDisabled",
    "Signal",
    "StopRequested",
    "TrackListFetch",
    "TrackListInvalid",
    "TrackListUnavailable",
    "backoff_delay",
    "fetch_track_list",
    "liverc_track_url",
    "package_version",
    "parse_retry_after",
    "retry_delay",
    "stream_dashboards",
    "track_url",
    "user_agent",
    "validate_slug",
]
