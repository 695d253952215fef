"""Errors raised by the LiveRC client (per-track problems are outcomes, not errors)."""

from __future__ import annotations


class LiveRCClientError(Exception):
    """Base class of every error the client raises."""


class ClientConfigError(LiveRCClientError, ValueError):
    """A client setting (usually an environment variable) has an invalid value."""


class ScrapingDisabled(LiveRCClientError):
    """The kill switch (``TRACK_SYNC_SCRAPE_ENABLED``) is off: nothing was fetched."""

    def __init__(self, message: str = "scraping is disabled (TRACK_SYNC_SCRAPE_ENABLED is off)"):
        super().__init__(message)


class TrackListUnavailable(LiveRCClientError):
    """The track list could not be fetched (after the retries)."""

    def __init__(self, url: str, reason: str, status_code: int | None = None):
        self.url = url
        self.reason = reason
        self.status_code = status_code
        super().__init__(f"track list {url} unavailable: {reason}")


class TrackListInvalid(LiveRCClientError):
    """The track list was fetched but its page does not parse (structure changed)."""

    def __init__(self, url: str, reason: str):
        self.url = url
        self.reason = reason
        super().__init__(f"track list {url} is invalid: {reason}")
