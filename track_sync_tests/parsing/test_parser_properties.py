"""Property tests: whatever text the parsers get, they answer or raise their LiveRCParseError.

A truncated page is the dangerous case: it must never pass for a shorter track
list or a dashboard with fewer fields.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from track_sync_assets.domain import TrackDashboard, TrackListing
from track_sync_assets.liverc.parsing import (
    DashboardStructureError,
    TrackListStructureError,
    parse_dashboard,
    parse_track_list,
    parse_track_list_rows,
)
from track_sync_assets.liverc.parsing.markup import parse_html
from track_sync_tests.conftest import real_page

REAL_LIST = "track-list_2025-12-16.html"
REAL_DASHBOARDS = (
    "dashboards/thunderalley_2026-01.html",
    "dashboards/canberraoffroad_2026-03-07.html",
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_INPUT = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments of LiveRC markup, shuffled into random documents that look like the real thing.
MARKUP = [
    "<html>",
    "</html>",
    "<title>LiveRC</title>",
    '<table class="table track_list">',
    "</table>",
    "<tbody>",
    "</tbody>",
    '<tr class="clickable-row" data-href="//x.liverc.com/live/">',
    "<tr>",
    "</tr>",
    "<td>",
    "</td>",
    '<i class="fa status_video_1"></i>',
    '<i class="fa status_video_0"></i>',
    '<i class="fa status_2"></i>',
    '<i class="fa status_1"></i>',
    '<i class="fa status_0"></i>',
    '<i class="fa status_featured"></i>',
    "<br />",
    "<small><small>1 minute ago</small></small>",
    '<span class="hidden">seRC</span>',
    '<a href="//abc.liverc.com/">',
    '<a href="//Abc.liverc.com/">',
    '<a href="//1x.liverc.com">',
    "</a>",
    "<strong>Track</strong>",
    '<div class="indent"><small>Event &amp; Co</small></div>',
    '<div class="panel">',
    '<div class="panel-heading">About Track</div>',
    '<div class="panel-heading">Track Map</div>',
    '<div class="panel-heading">Lifetime Track Stats</div>',
    '<div class="panel-heading">Facebook Feed</div>',
    '<div class="panel-heading">Facebook Page</div>',
    '<div class="panel-body">',
    '<div class="row">',
    '<div class="row dashboard_panels">',
    "</div>",
    '<address class="small">',
    "</address>",
    '<abbr title="Phone">P:</abbr>',
    '<abbr title="E-Mail">E:</abbr>',
    '<abbr title="Website">W:</abbr>',
    '<a href="tel:+1 919-555-0134">+1 919-555-0134</a>',
    "N/A",
    "<a href=\"javascript:noSpam('a', 'b.c');\">&#97;&#64;b.c</a>",
    '<iframe src="https://maps/embed?key=K&q=1 Main St,Town,ST+123,US"></iframe>',
    '<iframe src="x?q=,,+,"></iframe>',
    '<iframe src="x?q=a,b,c+d,ZZ"></iframe>',
    "<hr />",
    '<img src="https://assets.livetimescoring.com/track_logos/1/a.png">',
    '<div class="fb-page" data-href="http://facebook.com/x/"></div>',
    "<th>Laps</th>",
    '<td class="text-right">1,234</td>',
    '<div class="huge">12</div><div class="stats">Results This Month</div>',
    '<div class="stats">LIVE (Racing)</div>',
    '<div class="stats">Track is Offline</div>',
    "United States",
    "Narrabundah 02604",
    "<!-- comment -->",
    "<script>var x = '</table>';</script>",
]
markup_documents = st.lists(
    st.one_of(st.sampled_from(MARKUP), st.text(max_size=12)), max_size=60
).map("".join)


FIXTURES = Path(__file__).parent / "fixtures"
MUTATED_PAGES = {
    "list": ["track_list_small.html"],
    "dashboard": [
        "dashboard_facebook_page_alnum_postal.html",
        "dashboard_minimal_comma_street.html",
        "dashboard_chinese_email_mismatch.html",
    ],
}


@st.composite
def mutated_page(draw: st.DrawFn, kind: str) -> str:
    """A hand-written page after a few random edits: slices cut, doubled or replaced by markup."""
    page = (FIXTURES / draw(st.sampled_from(MUTATED_PAGES[kind]))).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(page)))
        end = draw(st.integers(start, min(len(page), start + 300)))
        edit = draw(st.sampled_from(["cut", "double", "replace"]))
        if edit == "cut":
            page = page[:start] + page[end:]
        elif edit == "double":
            page = page[:end] + page[start:end] + page[end:]
        else:
            page = page[:start] + draw(st.sampled_from(MARKUP)) + page[end:]
    return page


@cache
def real_list() -> str:
    return real_page(REAL_LIST)


@cache
def full_listing() -> tuple[TrackListing, ...]:
    return parse_track_list(real_list())


@given(st.text(max_size=2000))
@FAST
def test_random_text_never_breaks_the_list_parser_with_another_error(text):
    try:
        listings = parse_track_list(text)
    except TrackListStructureError:
        return
    assert all(isinstance(listing, TrackListing) for listing in listings)


@given(st.text(max_size=2000))
@FAST
def test_random_text_never_breaks_the_dashboard_parser_with_another_error(text):
    try:
        dashboard = parse_dashboard(text)
    except DashboardStructureError:
        return
    assert isinstance(dashboard, TrackDashboard)


@given(markup_documents)
@FAST
def test_random_liverc_like_markup_gives_listings_or_a_track_list_error(document):
    try:
        listings = parse_track_list(document)
    except TrackListStructureError:
        return
    assert listings
    assert all(isinstance(listing, TrackListing) for listing in listings)


@given(markup_documents)
@FAST
def test_random_liverc_like_markup_gives_a_dashboard_or_a_dashboard_error(document):
    try:
        dashboard = parse_dashboard(document)
    except DashboardStructureError:
        return
    assert isinstance(dashboard, TrackDashboard)
    assert "key=" not in repr(dashboard)


@given(mutated_page("list"))
@FAST
def test_a_randomly_damaged_track_list_gives_listings_or_a_track_list_error(page):
    try:
        listings = parse_track_list(page)
    except TrackListStructureError:
        return
    assert all(isinstance(listing, TrackListing) for listing in listings)
    assert len({listing.slug_key for listing in listings}) == len(listings)


@given(mutated_page("list"))
@FAST
def test_a_damaged_track_list_accounts_for_every_row_or_raises_a_track_list_error(page):
    try:
        result = parse_track_list_rows(page)
    except TrackListStructureError:
        return
    assert result.listings, "a list without one readable row raises"
    assert result.rows == len(parse_html(page).css("table.track_list tbody > tr"))
    slugs = [listing.slug_key for listing in result.listings]
    slugs += [row.slug.lower() for row in result.rejected if row.slug]
    assert len(set(slugs)) == len(slugs)
    for row in result.rejected:
        assert row.message.startswith(f"row {row.row}") and "\n" not in row.message


@given(mutated_page("dashboard"))
@FAST
def test_a_randomly_damaged_dashboard_gives_a_dashboard_or_a_dashboard_error(page):
    try:
        dashboard = parse_dashboard(page)
    except DashboardStructureError:
        return
    assert isinstance(dashboard, TrackDashboard)
    assert dashboard.name
    assert "TEST-KEY-NOT-REAL" not in repr(dashboard)


@given(st.data())
@SLOW_INPUT
def test_the_real_list_cut_anywhere_raises_or_yields_every_track(data):
    page = real_list()
    table_end = page.index("</table>") + len("</table>")
    # Half the cuts land inside the track table, where the danger is.
    offset = data.draw(
        st.one_of(st.integers(0, len(page)), st.integers(page.index("<tbody>"), table_end))
    )
    try:
        listings = parse_track_list(page[:offset])
    except TrackListStructureError:
        assert offset < table_end
        return
    assert offset >= table_end
    assert listings == full_listing()


@pytest.mark.parametrize("page_name", REAL_DASHBOARDS)
@given(fraction=st.floats(0.0, 1.0))
@FAST
def test_a_real_dashboard_cut_anywhere_raises_a_dashboard_error(page_name, fraction):
    page = real_page(page_name)
    html_end = page.index("</html>")
    with pytest.raises(DashboardStructureError):
        parse_dashboard(page[: int(html_end * fraction)])
