"""Parser for a track's dashboard page (https://{slug}.liverc.com/).

Bootstrap panels are found by their heading text: ``About {Track Name}``
(address, contacts, logo, description), ``Track Map`` (the address query),
``Lifetime Track Stats`` (counters), optional ``Facebook Page``/``Facebook Feed``.
The summary tiles (``div.dashboard_panels``) give the live state and this
month's counts. A missing optional value is None; a missing panel raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from track_sync_assets.domain import TrackDashboard
from track_sync_assets.liverc.parsing import address as addr
from track_sync_assets.liverc.parsing import contacts
from track_sync_assets.liverc.parsing.errors import DashboardStructureError
from track_sync_assets.liverc.parsing.markup import (
    attribute,
    css_classes,
    describe_page,
    node_text,
    one_line,
    parse_html,
    snippet,
    text_lines,
)

ABOUT_PREFIX = "About "
TRACK_MAP = "Track Map"
LIFETIME_STATS = "Lifetime Track Stats"
FACEBOOK_PAGE = "Facebook Page"
FACEBOOK_FEED = "Facebook Feed"
LIFETIME_COUNTERS: dict[str, str] = {
    "Laps": "total_laps",
    "Practice Sessions": "total_practice_sessions",
    "Races": "total_races",
    "Entries": "total_entries",
    "Events": "total_events",
}
MONTHLY_COUNTERS: dict[str, str] = {
    "Results This Month": "results_this_month",
    "Sessions This Month": "sessions_this_month",
    "Videos This Month": "videos_this_month",
}
OFFLINE_TEXT = "Track is Offline"
_LIVE = re.compile(r"LIVE\b")
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
_COUNT = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})*|[0-9]+")


@dataclass(slots=True)
class _AboutBlock:
    """The ``<address>`` of the About panel, cut into its ``<br>`` lines."""

    name: str | None
    address_lines: list[str]
    contact_lines: dict[str, contacts.ContactLine]


def parse_dashboard(html: str) -> TrackDashboard:
    """Everything a track's dashboard says about the track.

    Raises :class:`DashboardStructureError` when the About panel, its address,
    the Track Map query, the stats panel or the summary tiles are missing, the
    page is cut off (no closing ``</html>``), or it is another kind of page.
    Cross-check disagreements do not raise: they are listed in
    :attr:`TrackDashboard.discrepancies`.
    """
    tree = parse_html(html)
    panels = _panels_by_heading(tree)
    about_heading = next((title for title in panels if title.startswith(ABOUT_PREFIX)), None)
    complete = _HTML_END.search(html) is not None
    if about_heading is None:
        cut = "" if complete else " cut off before its end"
        raise DashboardStructureError(
            f"no About panel (panel heading 'About {{track}}'): the page is "
            f"{describe_page(tree)}{cut}"
        )
    if not complete:
        raise DashboardStructureError("dashboard page is truncated: no closing </html>")
    about = panels[about_heading]
    address_node = about.css_first("address")
    if address_node is None:
        raise DashboardStructureError("About panel has no <address> block")
    block = _read_address_block(address_node)
    name = block.name or about_heading.removeprefix(ABOUT_PREFIX).strip()
    discrepancies: list[str] = []

    location = _location(panels, block.address_lines, discrepancies)
    phone = contacts.phone_text(block.contact_lines.get("phone"))
    logo_url, description = _logo_and_description(about)
    tiles = _summary_tiles(tree, discrepancies)
    return TrackDashboard(
        name=name,
        **location,
        phone=phone,
        phone_e164=contacts.phone_e164(phone, location["country_code"]),
        website=contacts.website(block.contact_lines.get("website"), discrepancies),
        email=contacts.email(block.contact_lines.get("email"), discrepancies),
        description=description,
        logo_url=logo_url,
        facebook_url=_facebook_url(panels),
        **_lifetime_counters(panels, discrepancies),
        **tiles,
        discrepancies=tuple(discrepancies),
    )


def _panels_by_heading(tree: LexborHTMLParser) -> dict[str, LexborNode]:
    panels: dict[str, LexborNode] = {}
    for heading in tree.css("div.panel > div.panel-heading"):
        title = node_text(heading)
        parent = heading.parent
        if title and parent is not None:
            panels.setdefault(" ".join(title.split()), parent)
    return panels


def _read_address_block(address_node: LexborNode) -> _AboutBlock:
    groups: list[list[LexborNode]] = [[]]
    for node in address_node.iter(include_text=True):
        if node.tag == "br":
            groups.append([])
        elif node.tag != "-comment":
            groups[-1].append(node)
    name = next((node_text(node) for node in groups[0] if node.tag == "strong"), None)
    address_lines: list[str] = []
    contact_lines: dict[str, contacts.ContactLine] = {}
    for group in groups[1:]:
        abbr_at = next((i for i, node in enumerate(group) if node.tag == "abbr"), None)
        if abbr_at is not None:
            title = (group[abbr_at].attributes.get("title") or "").strip().casefold()
            key = title.replace("-", "")
            contact_lines.setdefault(key, contacts.contact_line(group[abbr_at + 1 :]))
        elif not contact_lines:
            address_lines.append(one_line("".join(node.text(deep=True) for node in group)))
    if address_lines and not address_lines[-1]:
        address_lines.pop()  # the blank line between the address and the contacts
    return _AboutBlock(name=name, address_lines=address_lines, contact_lines=contact_lines)


def _location(
    panels: dict[str, LexborNode], about_lines: list[str], discrepancies: list[str]
) -> dict[str, str | None]:
    """Address fields from the map query, cross-checked with the About lines."""
    track_map = panels.get(TRACK_MAP)
    if track_map is None:
        raise DashboardStructureError("no Track Map panel (its address query is required)")
    iframe = track_map.css_first("iframe[src]")
    if iframe is None:
        raise DashboardStructureError("Track Map panel has no iframe[src]")
    mapped = addr.parse_map_query(iframe.attributes.get("src") or "")

    street_line = locality_line = country_line = None
    if len(about_lines) == 3:
        street_line, locality_line, country_line = (line or None for line in about_lines)
    else:
        discrepancies.append(
            f"About address has {len(about_lines)} lines instead of 3 (street, locality, country)"
        )
        last = about_lines[-1] if about_lines else ""
        country_line = last if last and addr.country_code_for_name(last) else None

    country_code = mapped.country_code
    if country_code is not None and not addr.is_alpha_2(country_code):
        discrepancies.append(f"map query country {country_code!r} is not an ISO 3166 alpha-2 code")
        country_code = None
    about_code = addr.country_code_for_name(country_line) if country_line else None
    if country_code and about_code and about_code != country_code:
        discrepancies.append(
            f"country: map query says {country_code} but the About block says {country_line!r}"
        )
    country_code = country_code or about_code

    if street_line is not None and not addr.same_text(street_line, mapped.street_address):
        discrepancies.append(
            f"street: map query says {mapped.street_address!r} but the About block says "
            f"{street_line!r}"
        )
    if locality_line is not None and not addr.same_text(locality_line, mapped.locality_line()):
        discrepancies.append(
            f"locality: map query gives {mapped.locality_line()!r} but the About block says "
            f"{locality_line!r}"
        )
    return {
        "street_address": mapped.street_address or street_line,
        "city": mapped.city,
        "state": mapped.state,
        "postal_code": mapped.postal_code,
        "country": country_line
        or (addr.country_name_for_code(country_code) if country_code else None),
        "country_code": country_code,
    }


def _logo_and_description(about: LexborNode) -> tuple[str | None, str | None]:
    body = about.css_first("div.panel-body") or about
    rows = [child for child in body.iter() if child.tag == "div" and "row" in css_classes(child)]
    first_row = rows[0] if rows else body
    logo = first_row.css_first("img[src]")
    logo_url = attribute(logo, "src")
    if len(rows) < 2:
        return logo_url, None
    rule = rows[1].css_first("hr")
    if rule is not None:
        content = []
        sibling = rule.next
        while sibling is not None:
            content.append(sibling)
            sibling = sibling.next
    else:
        content = list(rows[1].iter(include_text=True))
    lines = [line for line in text_lines(content) if line]
    return logo_url, "\n".join(lines) or None


def _facebook_url(panels: dict[str, LexborNode]) -> str | None:
    feed = panels.get(FACEBOOK_FEED)
    if feed is not None:
        url = attribute(feed.css_first("div.fb-page[data-href]"), "data-href")
        if url:
            return url
    panel = feed if feed is not None else panels.get(FACEBOOK_PAGE)
    if panel is None:
        return None
    return attribute(panel.css_first("a[href]"), "href")


def _lifetime_counters(
    panels: dict[str, LexborNode], discrepancies: list[str]
) -> dict[str, int | None]:
    stats = panels.get(LIFETIME_STATS)
    if stats is None:
        raise DashboardStructureError(f"no {LIFETIME_STATS} panel")
    counters: dict[str, int | None] = dict.fromkeys(LIFETIME_COUNTERS.values())
    for row in stats.css("tr"):
        label = node_text(row.css_first("th"))
        if label in LIFETIME_COUNTERS:
            counters[LIFETIME_COUNTERS[label]] = _count(
                node_text(row.css_first("td")), f"{LIFETIME_STATS} {label}", discrepancies
            )
    return counters


def _summary_tiles(
    tree: LexborHTMLParser, discrepancies: list[str]
) -> dict[str, int | bool | None]:
    tiles_row = tree.css_first("div.dashboard_panels")
    if tiles_row is None:
        raise DashboardStructureError("no summary tiles (div.dashboard_panels)")
    values: dict[str, int | bool | None] = dict.fromkeys(MONTHLY_COUNTERS.values())
    live_texts: list[str] = []
    for stats in tiles_row.css(".stats"):
        label = " ".join((node_text(stats) or "").split())
        if label in MONTHLY_COUNTERS:
            tile = stats.parent
            huge = tile.css_first(".huge") if tile is not None else None
            values[MONTHLY_COUNTERS[label]] = _count(node_text(huge), label, discrepancies)
        else:
            live_texts.append(label)
    values["is_live"] = _live_state(live_texts, discrepancies)
    return values


def _live_state(texts: list[str], discrepancies: list[str]) -> bool | None:
    states = {True for text in texts if _LIVE.match(text)} | {
        False for text in texts if text == OFFLINE_TEXT
    }
    if len(states) == 1:
        return states.pop()
    shown = ", ".join(snippet(text) for text in texts) or "nothing"
    discrepancies.append(f"live tile: cannot tell live or offline from {shown}")
    return None


def _count(text: str | None, what: str, discrepancies: list[str]) -> int | None:
    if text is None:
        return None
    if _COUNT.fullmatch(text) is None:
        discrepancies.append(f"{what}: {snippet(text)} is not a count")
        return None
    return int(text.replace(",", ""))
