"""Client configuration: a frozen dataclass with defaults (the environment is mapped onto it
by :mod:`track_sync_assets.environment.client`, never read here)."""

from __future__ import annotations

from dataclasses import dataclass

from track_sync_assets.liverc.client.errors import ClientConfigError
from track_sync_assets.liverc.client.urls import DEFAULT_TRACK_URL_TEMPLATE

DEFAULT_LIST_URL = "https://live.liverc.com/"
DEFAULT_PROJECT_URL = "https://github.com/track-sync/track-sync"
DEFAULT_CONTACT = "track-sync operators via the project page"
ROBOTS_MAX_AGE_LIMIT_S = 24 * 3600.0
"""RFC 9309 §2.4: a robots.txt should not be cached for more than 24 hours."""

_POSITIVE = (
    "max_rps",
    "min_rps",
    "connect_timeout_s",
    "read_timeout_s",
    "request_timeout_s",
    "rate_recovery_s",
)
_NOT_NEGATIVE = ("backoff_base_s", "backoff_cap_s", "retry_after_cap_s", "robots_max_age_s")
_AT_LEAST_ONE = ("max_concurrency", "max_attempts", "pressure_window", "pressure_min_hosts")


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How the client reaches LiveRC and how politely it does so."""

    list_url: str = DEFAULT_LIST_URL
    track_url_template: str = DEFAULT_TRACK_URL_TEMPLATE
    """Dashboard URL with a ``{slug}`` placeholder."""
    contact: str = DEFAULT_CONTACT
    """Who to contact about the bot; goes into the User-Agent."""
    project_url: str = DEFAULT_PROJECT_URL
    max_concurrency: int = 6
    """Global cap on requests in flight, across all hosts."""
    max_rps: float = 3.0
    """Global cap on request starts per second, across all hosts (robots.txt included)."""
    min_rps: float = 0.2
    """Floor the rate falls to under LiveRC-wide pressure."""
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0
    request_timeout_s: float = 30.0
    """Hard cap on one request (connect, headers and body)."""
    max_attempts: int = 4
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 30.0
    retry_after_cap_s: float = 60.0
    max_redirects: int = 5
    max_body_bytes: int = 8 * 1024 * 1024
    """Larger responses fail (no LiveRC page is anywhere near this)."""
    adaptive_rate: bool = True
    """Cut the global rate under LiveRC-wide pressure (off: a fixed ``max_rps``)."""
    rate_recovery_s: float = 30.0
    """Seconds of answers without pressure for the rate to climb from 0 back to ``max_rps``."""
    pressure_window: int = 50
    """How many recent answers the pressure detector looks at."""
    pressure_share: float = 0.25
    """Share of 503s/timeouts in the window that means LiveRC-wide pressure ..."""
    pressure_min_hosts: int = 5
    """... when they come from at least this many distinct URLs (one track is not LiveRC)."""
    obey_robots: bool = True
    """Fetch and obey robots.txt (only tests against mocks turn this off)."""
    robots_max_age_s: float = ROBOTS_MAX_AGE_LIMIT_S
    """How long a stored robots.txt is used without asking again (at most 24 h)."""
    resolve: tuple[tuple[str, str], ...] = ()
    """``(host pattern, IP)`` pairs connecting plain-http hosts elsewhere, like curl's
    ``--resolve``; a pattern is a host name or ``*.domain`` (the simulator's per-track hosts)."""

    def __post_init__(self) -> None:
        if "{slug}" not in self.track_url_template:
            raise ClientConfigError(
                f"track URL template {self.track_url_template!r} has no {{slug}} placeholder"
            )
        for url in (self.list_url, self.track_url_template, self.project_url):
            if not url.startswith(("http://", "https://")):
                raise ClientConfigError(f"{url!r} is not an http(s) URL")
        for name in _AT_LEAST_ONE:
            if getattr(self, name) < 1:
                raise ClientConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in _POSITIVE:
            if not getattr(self, name) > 0:
                raise ClientConfigError(f"{name} must be positive, got {getattr(self, name)}")
        for name in _NOT_NEGATIVE:
            if getattr(self, name) < 0:
                raise ClientConfigError(f"{name} must not be negative, got {getattr(self, name)}")
        if not 0 < self.pressure_share <= 1:
            raise ClientConfigError(f"pressure_share must be in (0, 1], got {self.pressure_share}")
        if self.robots_max_age_s > ROBOTS_MAX_AGE_LIMIT_S:
            raise ClientConfigError(
                f"robots_max_age_s {self.robots_max_age_s:g} exceeds RFC 9309's 24 hours"
            )
        if self.min_rps > self.max_rps:
            object.__setattr__(self, "min_rps", self.max_rps)
        for name in ("contact", "project_url"):
            value = getattr(self, name)
            if not (value.isascii() and value.isprintable()) or any(c in value for c in "()"):
                raise ClientConfigError(
                    f"{name} {value!r} goes into the User-Agent: printable ASCII without ()"
                )
        for pattern, address in self.resolve:
            if not pattern or not address or "/" in pattern + address:
                raise ClientConfigError(f"resolve entry {pattern!r} -> {address!r} is invalid")
