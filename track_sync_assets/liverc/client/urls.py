"""Slugs, track URLs, origins and the host allowlist: the client only talks to LiveRC.

Track URLs are built from a template here (:func:`track_url`); the real LiveRC's shape is
``domain.LIVERC_TRACK_URL_TEMPLATE``, which the parsers and the simulator use too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from track_sync_assets.domain import LIVERC_TRACK_URL_TEMPLATE
from track_sync_assets.liverc.client.errors import LiveRCClientError

SLUG_PATTERN = re.compile(r"[A-Za-z0-9]{1,64}")
LIVERC_DOMAIN = "liverc.com"
DEFAULT_TRACK_URL_TEMPLATE = LIVERC_TRACK_URL_TEMPLATE
"""On the real LiveRC every track is its own host."""
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SLUG_MARKER = "slugmarker0"


class InvalidSlug(LiveRCClientError, ValueError):
    """A slug that is not ``[A-Za-z0-9]{1,64}`` (never turned into a URL)."""


def validate_slug(slug: object) -> str:
    """Return ``slug`` if it is 1-64 ASCII letters and digits, else raise :class:`InvalidSlug`."""
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise InvalidSlug(f"invalid slug {slug!r}: expected 1-64 ASCII letters or digits")
    return slug


def track_url(template: str, slug: str) -> str:
    """The dashboard URL of a validated slug."""
    return template.replace("{slug}", validate_slug(slug))


def liverc_track_url(slug: str) -> str:
    """A track's URL on the real LiveRC: ``https://{slug}.liverc.com/``."""
    return track_url(DEFAULT_TRACK_URL_TEMPLATE, slug)


@dataclass(frozen=True, slots=True)
class Origin:
    """Scheme, lower-case host and explicit port of a URL."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str | httpx.URL) -> Origin:
        parsed = httpx.URL(url) if isinstance(url, str) else url
        scheme = parsed.scheme.lower()
        port = parsed.port or _DEFAULT_PORTS.get(scheme, 0)
        return cls(scheme, parsed.host.lower(), port)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def robots_url(self) -> str:
        default = _DEFAULT_PORTS.get(self.scheme)
        netloc = self.host if self.port == default else f"{self.host}:{self.port}"
        if ":" in self.host:  # IPv6 literal
            netloc = f"[{self.host}]" if self.port == default else f"[{self.host}]:{self.port}"
        return f"{self.scheme}://{netloc}/robots.txt"


class Allowlist:
    """``https://*.liverc.com`` plus the origins of the configured list and track URLs.

    A track URL template whose host holds ``{slug}`` (the default
    ``https://{slug}.liverc.com/``) allows every host of that shape.
    """

    def __init__(self, configured_urls: tuple[str, ...] = ()) -> None:
        self._patterns: list[tuple[str, re.Pattern[str], int]] = []
        for url in configured_urls:
            origin = Origin.of(url.replace("{slug}", _SLUG_MARKER))
            host_pattern = re.escape(origin.host).replace(_SLUG_MARKER, "[a-z0-9]{1,64}")
            self._patterns.append((origin.scheme, re.compile(host_pattern), origin.port))
        self.refused = 0

    def stats(self) -> dict[str, int]:
        return {"refused": self.refused}

    def check(self, url: str) -> bool:
        """:meth:`allows`, counting refusals."""
        allowed = self.allows(url)
        self.refused += not allowed
        return allowed

    def allows(self, url: str) -> bool:
        """True when ``url`` may be requested (http(s), no credentials, allowed origin)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError):
            return False
        if parsed.scheme not in _DEFAULT_PORTS or parsed.userinfo or not parsed.host:
            return False
        origin = Origin.of(parsed)
        if (
            origin.scheme == "https"
            and origin.port == 443
            and origin.host.endswith("." + LIVERC_DOMAIN)
        ):
            return True
        return any(
            origin.scheme == scheme and origin.port == port and pattern.fullmatch(origin.host)
            for scheme, pattern, port in self._patterns
        )
