"""Rendered pages of one simulated day, with their validators, cached per day."""

from __future__ import annotations

import gzip
import hashlib
from calendar import timegm
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from email.utils import formatdate

from track_sync_assets.simulator import markup
from track_sync_assets.simulator.tracks import Catalogue, SimTrack, day_date


@dataclass(slots=True)
class Page:
    """A rendered body with its strong ETag and Last-Modified date."""

    body: bytes
    last_modified: float
    """Epoch seconds."""
    content_type: str = "text/html; charset=UTF-8"
    etag: str = field(init=False)
    _gzipped: bytes | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.blake2b(self.body, digest_size=10).hexdigest() + '"'

    @property
    def last_modified_http(self) -> str:
        return formatdate(self.last_modified, usegmt=True)

    def gzipped(self) -> bytes:
        """The body gzip-compressed (computed once; deterministic)."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped


def noon_of_day(day: int) -> float:
    """Epoch seconds of the simulated sync time (noon UTC) of ``day``."""
    moment = datetime.combine(day_date(day), time(12), tzinfo=UTC)
    return float(timegm(moment.utctimetuple()))


def robots_txt(disallow: tuple[str, ...], crawl_delay: float | None) -> str:
    """robots.txt for the simulator's host."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: /tracks/{slug}/" for slug in disallow] or ["Disallow:"]
    if crawl_delay is not None:
        lines.append(f"Crawl-delay: {crawl_delay:g}")
    return "\n".join(lines) + "\n"


class DayPages:
    """The pages of one day: the list and robots.txt up front, dashboards on first use."""

    def __init__(
        self, catalogue: Catalogue, disallow: tuple[str, ...], crawl_delay: float | None
    ) -> None:
        self.catalogue = catalogue
        self.track_list = Page(
            markup.track_list_page(catalogue).encode(), noon_of_day(catalogue.day)
        )
        self.robots = Page(
            robots_txt(disallow, crawl_delay).encode(), noon_of_day(1), "text/plain; charset=UTF-8"
        )
        self._dashboards: dict[str, Page] = {}
        self._malformed: dict[str, Page] = {}
        self._partial_lists: dict[int, Page] = {}

    def dashboard(self, track: SimTrack) -> Page:
        page = self._dashboards.get(track.slug_key)
        if page is None:
            body = markup.dashboard_page(track).encode()
            page = Page(body, noon_of_day(track.page_changed_day))
            self._dashboards[track.slug_key] = page
        return page

    def malformed_dashboard(self, track: SimTrack) -> Page:
        """The dashboard without its About panel (a 200 a parser must reject)."""
        page = self._malformed.get(track.slug_key)
        if page is None:
            body = markup.dashboard_page(track, with_about=False).encode()
            page = Page(body, noon_of_day(self.catalogue.day))
            self._malformed[track.slug_key] = page
        return page

    def truncated_list(self, rows: int) -> Page:
        """A complete, well-formed list page that only has its first ``rows`` rows."""
        page = self._partial_lists.get(rows)
        if page is None:
            body = markup.track_list_page(self.catalogue.listed[:rows]).encode()
            page = Page(body, noon_of_day(self.catalogue.day))
            self._partial_lists[rows] = page
        return page

    def cut_list(self) -> Page:
        """The list page cut off mid-table (a 200 whose Content-Length matches)."""
        text = self.track_list.body.decode()
        return Page(text[: len(text) * 2 // 5].encode(), noon_of_day(self.catalogue.day))

    def maintenance(self) -> Page:
        return Page(markup.maintenance_page().encode(), noon_of_day(self.catalogue.day))
