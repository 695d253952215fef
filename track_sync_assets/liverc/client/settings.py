"""Client configuration: every knob has a default and an environment variable."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields

from track_sync_assets.liverc.client.errors import ClientConfigError

DEFAULT_LIST_URL = "https://live.liverc.com/"
DEFAULT_TRACK_URL_TEMPLATE = "https://{slug}.liverc.com/"
DEFAULT_PROJECT_URL = "https://github.com/track-sync/track-sync"
DEFAULT_CONTACT = "track-sync operators via the project page"

KILL_SWITCH_VAR = "TRACK_SYNC_SCRAPE_ENABLED"
_KILL_SWITCH_ON = frozenset({"", "1", "true", "on", "yes"})


def scraping_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Read the kill switch now: ``0``/``false``/``off``/``no`` disable (default on).

    The value is trimmed and case-insensitive. An unrecognised value counts as
    *off*: a kill switch fails safe.
    """
    env = os.environ if environ is None else environ
    value = env.get(KILL_SWITCH_VAR, "").strip().lower()
    return value in _KILL_SWITCH_ON


# Environment variable -> ClientSettings field.
ENV_VARS: dict[str, str] = {
    "LIVERC_LIST_URL": "list_url",
    "LIVERC_TRACK_URL_TEMPLATE": "track_url_template",
    "TRACK_SYNC_CONTACT": "contact",
    "TRACK_SYNC_PROJECT_URL": "project_url",
    "TRACK_SYNC_MAX_CONCURRENCY": "max_concurrency",
    "TRACK_SYNC_MAX_RPS": "max_rps",
    "TRACK_SYNC_MIN_RPS": "min_rps",
    "TRACK_SYNC_CONNECT_TIMEOUT_S": "connect_timeout_s",
    "TRACK_SYNC_READ_TIMEOUT_S": "read_timeout_s",
    "TRACK_SYNC_REQUEST_TIMEOUT_S": "request_timeout_s",
    "TRACK_SYNC_MAX_ATTEMPTS": "max_attempts",
    "TRACK_SYNC_BACKOFF_BASE_S": "backoff_base_s",
    "TRACK_SYNC_BACKOFF_CAP_S": "backoff_cap_s",
    "TRACK_SYNC_RETRY_AFTER_CAP_S": "retry_after_cap_s",
}


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
    """Floor the rate falls to under sustained 429/503 answers."""
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

    def __post_init__(self) -> None:
        if "{slug}" not in self.track_url_template:
            raise ClientConfigError(
                f"track URL template {self.track_url_template!r} has no {{slug}} placeholder"
            )
        for url in (self.list_url, self.track_url_template, self.project_url):
            if not url.startswith(("http://", "https://")):
                raise ClientConfigError(f"{url!r} is not an http(s) URL")
        for name in ("max_concurrency", "max_attempts"):
            if getattr(self, name) < 1:
                raise ClientConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in (
            "max_rps",
            "min_rps",
            "connect_timeout_s",
            "read_timeout_s",
            "request_timeout_s",
        ):
            if not getattr(self, name) > 0:
                raise ClientConfigError(f"{name} must be positive, got {getattr(self, name)}")
        for name in ("backoff_base_s", "backoff_cap_s", "retry_after_cap_s"):
            if getattr(self, name) < 0:
                raise ClientConfigError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.min_rps > self.max_rps:
            object.__setattr__(self, "min_rps", self.max_rps)
        for name in ("contact", "project_url"):
            value = getattr(self, name)
            if not (value.isascii() and value.isprintable()) or any(c in value for c in "()"):
                raise ClientConfigError(
                    f"{name} {value!r} goes into the User-Agent: printable ASCII without ()"
                )

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ClientSettings:
        """Settings from the environment (see :data:`ENV_VARS`); ``overrides`` win."""
        env = os.environ if environ is None else environ
        types = {f.name: f.type for f in fields(cls)}
        values: dict[str, object] = {}
        for var, name in ENV_VARS.items():
            raw = env.get(var)
            if raw is None or not raw.strip():
                continue
            values[name] = _convert(var, raw.strip(), _CONVERTERS[types[name]])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


_CONVERTERS: dict[str, Callable[[str], object]] = {"str": str, "int": int, "float": float}


def _convert(var: str, raw: str, converter: Callable[[str], object]) -> object:
    try:
        return converter(raw)
    except ValueError:
        raise ClientConfigError(f"{var}={raw!r} is not a valid {converter.__name__}") from None
