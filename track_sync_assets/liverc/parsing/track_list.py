"""Parser for LiveRC's track list page (https://live.liverc.com/).

Every listed track is in the server-rendered HTML: one ``tr.clickable-row`` per
track in ``table.track_list``, with a status cell (icons + relative "last
updated" text) and a name cell (link, name, optional latest event).

The page's structure (the table, its columns, its closing tag) is all or nothing:
:class:`TrackListStructureError`. A single row that cannot be read (an unexpected
link, no name, no icon) is rejected with its number and reason, and the other rows
still count (:func:`parse_track_list_rows`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborNode

from track_sync_assets.domain import Activity, RejectedRow, TrackListing, liverc_track_url
from track_sync_assets.liverc.parsing.errors import TrackListRowError, TrackListStructureError
from track_sync_assets.liverc.parsing.markup import (
    css_classes,
    describe_page,
    node_text,
    parse_html,
    snippet,
)

TRACK_TABLE_SELECTOR = "table.track_list"
ROW_CLASS = "clickable-row"
TRACK_HREF = re.compile(r"^(?:https?:)?//([A-Za-z0-9]+)\.liverc\.com/?$", re.IGNORECASE)
COLUMNS = ("Status", "Track Name")
ACTIVITY_BY_CLASS: dict[str, Activity] = {
    "status_2": Activity.RACING,
    "status_1": Activity.PRACTISING,
    "status_0": Activity.OFFLINE,
}
LIVE_VIDEO_CLASS = "status_video_1"
NO_VIDEO_CLASS = "status_video_0"
FEATURED_CLASS = "status_featured"
RAW_LIMIT = 200
"""Longest link or name text kept in a :class:`RejectedRow`."""

_TABLE_OPEN = re.compile(r"<table\b[^>]*\btrack_list\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TrackListParse:
    """The readable rows of a track list, in page order, and the rejected ones."""

    listings: tuple[TrackListing, ...]
    rejected: tuple[RejectedRow, ...] = ()

    @property
    def rows(self) -> int:
        """How many body rows the table has."""
        return len(self.listings) + len(self.rejected)


class _RowProblem(Exception):
    """One row cannot be read: ``reason`` says why (internal to this module)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def track_url(slug: str) -> str:
    """The normalised dashboard URL of a track (its slug already checked)."""
    return liverc_track_url(slug)


def parse_track_list_rows(html: str) -> TrackListParse:
    """Every readable track of the track list page, and every row that is not.

    Raises :class:`TrackListStructureError` when the page has no track table, the
    table's columns are not (Status, Track Name), it has no rows, it is truncated, every
    row is rejected, a slug is listed twice (compared case-insensitively), or the page
    is another kind of page (maintenance, dashboard).
    """
    tree = parse_html(html)
    table = tree.css_first(TRACK_TABLE_SELECTOR)
    if table is None:
        raise TrackListStructureError(
            f"no track table ({TRACK_TABLE_SELECTOR}): the page is {describe_page(tree)}"
        )
    _require_closed_table(html)
    _require_columns(table)
    rows = table.css("tbody > tr")
    if not rows:
        raise TrackListStructureError(f"track table ({TRACK_TABLE_SELECTOR}) has no track rows")
    listings: list[TrackListing] = []
    rejected: list[RejectedRow] = []
    row_of_slug: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            listing: TrackListing | None = _parse_row(row)
            slug = listing.slug if listing else None
        except _RowProblem as problem:
            listing = None
            rejected.append(_rejected(row, number, problem.reason))
            slug = rejected[-1].slug
        if slug is not None:
            first = row_of_slug.setdefault(slug.lower(), number)
            if first != number:
                raise TrackListStructureError(
                    f"row {number}: track slug {slug!r} is already listed in row {first}"
                )
        if listing is not None:
            listings.append(listing)
    if not listings:
        raise TrackListStructureError(
            f"every row of the track table was rejected ({len(rejected)} rows); "
            f"first: {rejected[0].message}"
        )
    return TrackListParse(tuple(listings), tuple(rejected))


def parse_track_list(html: str) -> tuple[TrackListing, ...]:
    """Every track of the track list page, in page order; any unreadable row raises.

    Raises :class:`TrackListRowError` (a :class:`TrackListStructureError`) naming the
    first rejected row, and what :func:`parse_track_list_rows` raises.
    """
    result = parse_track_list_rows(html)
    if result.rejected:
        raise TrackListRowError(result.rejected)
    return result.listings


def _require_closed_table(html: str) -> None:
    """A complete page closes the track table; lexbor would silently auto-close a cut one."""
    opening = _TABLE_OPEN.search(html)
    if opening is None or _TABLE_CLOSE.search(html, opening.end()) is None:
        raise TrackListStructureError(
            "track table is truncated: no closing </table> after its rows (incomplete page)"
        )


def _require_columns(table: LexborNode) -> None:
    """A header, when there is one, names two columns: a third column is a new layout."""
    headers = [node_text(th) or "" for th in table.css("thead th")]
    if headers and len(headers) != len(COLUMNS):
        raise TrackListStructureError(
            f"track table has {len(headers)} columns {snippet(' | '.join(headers))} "
            f"instead of {len(COLUMNS)} ({', '.join(COLUMNS)})"
        )


def _parse_row(row: LexborNode) -> TrackListing:
    if ROW_CLASS not in css_classes(row):
        raise _RowProblem(f"not a tr.{ROW_CLASS}")
    cells = [child for child in row.iter() if child.tag == "td"]
    if len(cells) != 2:
        raise _RowProblem(f"{len(cells)} cells instead of 2 (status, track name)")
    status_cell, name_cell = cells
    slug, name = _slug_and_name(name_cell)
    activity, has_live_video, is_featured = _status_icons(status_cell)
    return TrackListing(
        slug=slug,
        name=name,
        track_url=track_url(slug),
        activity=activity,
        has_live_video=has_live_video,
        is_featured=is_featured,
        last_updated_text=node_text(status_cell.css_first("small")),
        latest_event_name=node_text(name_cell.css_first("div.indent")),
    )


def _slug_and_name(name_cell: LexborNode) -> tuple[str, str]:
    link = name_cell.css_first("a[href]")
    if link is None:
        raise _RowProblem("no track link (a[href]) in its name cell")
    href = (link.attributes.get("href") or "").strip()
    match = TRACK_HREF.match(href)
    if match is None:
        raise _RowProblem(f"track link {snippet(href)} is not //{{slug}}.liverc.com/")
    name = node_text(link.css_first("strong")) or node_text(link)
    if name is None:
        raise _RowProblem("no track name")
    return match.group(1), name


def _status_icons(status_cell: LexborNode) -> tuple[Activity, bool, bool]:
    classes: set[str] = set()
    for icon in status_cell.css("i"):
        classes.update(css_classes(icon))
    activities = {ACTIVITY_BY_CLASS[c] for c in classes if c in ACTIVITY_BY_CLASS}
    if len(activities) != 1:
        found = "no activity icon" if not activities else "conflicting activity icons"
        raise _RowProblem(f"{found} (status_0/status_1/status_2)")
    video = {LIVE_VIDEO_CLASS, NO_VIDEO_CLASS} & classes
    if len(video) != 1:
        raise _RowProblem(f"no video icon ({NO_VIDEO_CLASS}/{LIVE_VIDEO_CLASS})")
    return activities.pop(), LIVE_VIDEO_CLASS in video, FEATURED_CLASS in classes


def _rejected(row: LexborNode, number: int, reason: str) -> RejectedRow:
    """What can still be read of a rejected row: its link, its name, a valid slug."""
    link = row.css_first("a[href]")
    href = (link.attributes.get("href") or "").strip() if link is not None else ""
    name = (node_text(link.css_first("strong")) or node_text(link)) if link is not None else None
    name = name or node_text(row.css_first("strong"))
    match = TRACK_HREF.match(href)
    return RejectedRow(
        row=number,
        reason=reason,
        slug=match.group(1) if match else None,
        link=_shorten(href) or None,
        name=_shorten(name) if name else None,
    )


def _shorten(text: str, limit: int = RAW_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
