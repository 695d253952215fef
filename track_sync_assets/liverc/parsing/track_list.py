"""Parser for LiveRC's track list page (https://live.liverc.com/).

Every listed track is in the server-rendered HTML: one ``tr.clickable-row`` per
track in ``table.track_list``, with a status cell (icons + relative "last
updated" text) and a name cell (link, name, optional latest event).
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from track_sync_assets.domain import Activity, TrackListing
from track_sync_assets.liverc.parsing.errors import TrackListStructureError
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
ACTIVITY_BY_CLASS: dict[str, Activity] = {
    "status_2": Activity.RACING,
    "status_1": Activity.PRACTISING,
    "status_0": Activity.OFFLINE,
}
LIVE_VIDEO_CLASS = "status_video_1"
NO_VIDEO_CLASS = "status_video_0"
FEATURED_CLASS = "status_featured"

_TABLE_OPEN = re.compile(r"<table\b[^>]*\btrack_list\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)


def track_url(slug: str) -> str:
    """The normalised dashboard URL of a track."""
    return f"https://{slug}.liverc.com/"


def parse_track_list(html: str) -> tuple[TrackListing, ...]:
    """Every track of the track list page, in page order.

    Raises :class:`TrackListStructureError` when the page has no track table,
    the table is empty or truncated, a row lacks a cell/link/icon, a slug is
    listed twice, or the page is another kind of page (maintenance, dashboard).
    """
    tree = parse_html(html)
    table = tree.css_first(TRACK_TABLE_SELECTOR)
    if table is None:
        raise TrackListStructureError(
            f"no track table ({TRACK_TABLE_SELECTOR}): the page is {describe_page(tree)}"
        )
    _require_closed_table(html)
    rows = table.css("tbody > tr")
    if not rows:
        raise TrackListStructureError(f"track table ({TRACK_TABLE_SELECTOR}) has no track rows")
    listings: list[TrackListing] = []
    row_of_slug: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        listing = _parse_row(row, number)
        first = row_of_slug.setdefault(listing.slug_key, number)
        if first != number:
            raise TrackListStructureError(
                f"row {number}: track slug {listing.slug!r} is already listed in row {first}"
            )
        listings.append(listing)
    return tuple(listings)


def _require_closed_table(html: str) -> None:
    """A complete page closes the track table; lexbor would silently auto-close a cut one."""
    opening = _TABLE_OPEN.search(html)
    if opening is None or _TABLE_CLOSE.search(html, opening.end()) is None:
        raise TrackListStructureError(
            "track table is truncated: no closing </table> after its rows (incomplete page)"
        )


def _parse_row(row: LexborNode, number: int) -> TrackListing:
    if ROW_CLASS not in css_classes(row):
        raise TrackListStructureError(f"row {number} of the track table is not a tr.{ROW_CLASS}")
    cells = [child for child in row.iter() if child.tag == "td"]
    if len(cells) != 2:
        raise TrackListStructureError(
            f"row {number} has {len(cells)} cells instead of 2 (status, track name)"
        )
    status_cell, name_cell = cells
    slug, name = _slug_and_name(name_cell, number)
    activity, has_live_video, is_featured = _status_icons(status_cell, number, slug)
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


def _slug_and_name(name_cell: LexborNode, number: int) -> tuple[str, str]:
    link = name_cell.css_first("a[href]")
    if link is None:
        raise TrackListStructureError(f"row {number} has no track link (a[href]) in its name cell")
    href = (link.attributes.get("href") or "").strip()
    match = TRACK_HREF.match(href)
    if match is None:
        raise TrackListStructureError(
            f"row {number}: track link {snippet(href)} is not //{{slug}}.liverc.com/"
        )
    slug = match.group(1)
    name = node_text(link.css_first("strong")) or node_text(link)
    if name is None:
        raise TrackListStructureError(f"row {number} ({slug}) has no track name")
    return slug, name


def _status_icons(status_cell: LexborNode, number: int, slug: str) -> tuple[Activity, bool, bool]:
    classes: set[str] = set()
    for icon in status_cell.css("i"):
        classes.update(css_classes(icon))
    activities = {ACTIVITY_BY_CLASS[c] for c in classes if c in ACTIVITY_BY_CLASS}
    if len(activities) != 1:
        found = "no" if not activities else "conflicting"
        raise TrackListStructureError(
            f"row {number} ({slug}) has {found} activity icon (status_0/status_1/status_2)"
        )
    video = {LIVE_VIDEO_CLASS, NO_VIDEO_CLASS} & classes
    if len(video) != 1:
        raise TrackListStructureError(
            f"row {number} ({slug}) has no video icon ({NO_VIDEO_CLASS}/{LIVE_VIDEO_CLASS})"
        )
    return activities.pop(), LIVE_VIDEO_CLASS in video, FEATURED_CLASS in classes
