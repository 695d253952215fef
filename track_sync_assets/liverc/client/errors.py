"""Errors raised by the LiveRC client (per-track problems are outcomes, not errors)."""

from __future__ import annotations


class LiveRCClientError(Exception):
    """Base class of every error the client raises."""


class ClientConfigError(LiveRCClientError, ValueError):
    """A client setting (or the environment variable behind it) has an invalid value."""


class ScrapingDisabled(LiveRCClientError):
    """The stop check said stop (the kill switch is off): nothing more is fetched.

    ``reason`` is what the stop check returned, e.g. ``TRACK_SYNC_SCRAPE_ENABLED is off``.
    """

    def __init__(self, reason: str = "scraping is disabled"):
        self.reason = reason
        super().__init__(f"scraping stopped: {reason}")


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
