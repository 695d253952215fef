"""The track list parser: exact values on the real capture, hand-written variants, failures."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from track_sync_assets.domain import Activity, TrackListing
from track_sync_assets.liverc.parsing import (
    LiveRCParseError,
    TrackListStructureError,
    parse_track_list,
)
from track_sync_tests.conftest import real_expected, real_page

FIXTURES = Path(__file__).parent / "fixtures"
REAL_LIST = "track-list_2025-12-16.html"
EXPECTED = "track-list_2025-12-16.json"
# The expected values spell it the American way; the domain model says "practising".
EXPECTED_ACTIVITY = {
    "racing": Activity.RACING,
    "practicing": Activity.PRACTISING,
    "offline": Activity.OFFLINE,
}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@cache
def real_listings() -> tuple[TrackListing, ...]:
    return parse_track_list(real_page(REAL_LIST))


@pytest.fixture
def listings() -> tuple[TrackListing, ...]:
    return real_listings()


@pytest.fixture
def expected() -> dict[str, Any]:
    return real_expected(EXPECTED)


def by_slug(listings: tuple[TrackListing, ...]) -> dict[str, TrackListing]:
    return {listing.slug: listing for listing in listings}


# --- The real capture of 2025-12-16 ---


def test_every_row_of_the_real_list_is_parsed_with_unique_slugs(listings, expected):
    assert len(listings) == expected["total_rows"] == 1090
    assert len({listing.slug_key for listing in listings}) == expected["unique_slugs"]


def test_activity_video_and_featured_counts_match_the_capture(listings, expected):
    activities = Counter(listing.activity for listing in listings)
    assert activities == {EXPECTED_ACTIVITY[k]: n for k, n in expected["activity_counts"].items()}
    assert sum(listing.has_live_video for listing in listings) == expected["video_live_count"]
    assert sum(listing.is_featured for listing in listings) == expected["featured_count"]
    live_rows = activities[Activity.RACING] + activities[Activity.PRACTISING]
    assert live_rows == expected["row_data_href_suffix_counts"]["/live/"]


def test_rows_without_an_event_have_no_latest_event_name(listings, expected):
    without = [listing for listing in listings if listing.latest_event_name is None]
    assert len(without) == expected["rows_without_latest_event"]


def test_the_upper_case_slug_is_kept_as_published(listings, expected):
    upper = [listing.slug for listing in listings if listing.slug != listing.slug.lower()]
    assert upper == expected["slugs_with_uppercase"]
    track = by_slug(listings)["FastandFunToyandHobby"]
    assert track.track_url == "https://FastandFunToyandHobby.liverc.com/"
    assert track.slug_key == "fastandfuntoyandhobby"


def test_track_names_shared_by_several_slugs_are_all_kept(listings, expected):
    slugs_by_name: dict[str, list[str]] = {}
    for listing in listings:
        slugs_by_name.setdefault(listing.name, []).append(listing.slug)
    duplicates = {name: slugs for name, slugs in slugs_by_name.items() if len(slugs) > 1}
    assert {n: sorted(s) for n, s in duplicates.items()} == {
        n: sorted(s) for n, s in expected["duplicate_track_names"].items()
    }


def test_names_keep_internal_double_spaces_and_display_name_folds_them(listings, expected):
    doubled = [listing for listing in listings if "  " in listing.name]
    assert [listing.name for listing in doubled] == expected["names_with_double_space"]
    assert doubled[0].display_name == "GSPeed GS Hobby"


def test_names_with_quotes_and_commas_are_exact(listings, expected):
    quoted = [listing.name for listing in listings if '"' in listing.name or "," in listing.name]
    assert sorted(quoted) == sorted(expected["names_with_quotes_or_commas"])


def test_last_updated_texts_are_the_published_relative_texts(listings, expected):
    distinct = sorted({listing.last_updated_text for listing in listings})
    assert distinct == expected["last_updated_text_distinct"]


def test_every_track_url_is_the_normalised_https_dashboard_url(listings):
    for listing in listings:
        assert listing.track_url == f"https://{listing.slug}.liverc.com/"


def test_the_constant_hidden_span_never_leaks_into_names(listings, expected):
    assert expected["hidden_span_values"] == {"seRC": 1090}
    assert not any("seRC" in listing.name for listing in listings)


def expected_row_matches(listing: TrackListing, row: dict[str, Any]) -> None:
    assert listing.slug == row["source_track_slug"]
    assert f"//{listing.slug}.liverc.com/" == row["href"]
    assert listing.name == row["track_name"]
    assert listing.activity is EXPECTED_ACTIVITY[row["activity"]]
    assert listing.has_live_video is row["video_live"]
    assert listing.is_featured is row["featured"]
    assert listing.last_updated_text == row["last_updated_text"]
    assert listing.latest_event_name == row["latest_event_name"]


def test_first_and_last_rows_are_exact_and_in_page_order(listings, expected):
    for listing, row in zip(listings[:3], expected["first_rows"], strict=True):
        expected_row_matches(listing, row)
    for listing, row in zip(listings[-3:], expected["last_rows"], strict=True):
        expected_row_matches(listing, row)


def test_selected_rows_are_exact(listings, expected):
    tracks = by_slug(listings)
    for row in expected["selected_rows"]:
        expected_row_matches(tracks[row["source_track_slug"]], row)


def test_event_names_keep_double_spaces_and_decoded_ampersands(listings):
    tracks = by_slug(listings)
    assert tracks["trc"].latest_event_name == "2025 Msm  Southern Showdown Race Rnd 5 Of 5"
    assert tracks["dbcmotorsports"].latest_event_name == "Freaky Friday Fall Oval & F8 Points"


def test_to_dict_has_the_cli_keys_and_the_activity_as_text(listings):
    data = listings[0].to_dict()
    assert list(data) == [
        "slug",
        "name",
        "track_url",
        "activity",
        "has_live_video",
        "is_featured",
        "last_updated_text",
        "latest_event_name",
    ]
    assert data["activity"] == "racing"


# --- Hand-written pages ---


def test_a_small_hand_written_list_is_parsed_exactly():
    listings = parse_track_list(fixture("track_list_small.html"))
    assert listings == (
        TrackListing(
            slug="northloop",
            name='North Loop "Indoor" Raceway, Inc.',
            track_url="https://northloop.liverc.com/",
            activity=Activity.RACING,
            has_live_video=True,
            is_featured=True,
            last_updated_text="1 minute ago",
            latest_event_name="Winter Series Rd 2 & Club  Night",
        ),
        TrackListing(
            slug="7SeasRC",
            name="Seven  Seas RC",
            track_url="https://7SeasRC.liverc.com/",
            activity=Activity.PRACTISING,
            has_live_video=False,
            is_featured=False,
            last_updated_text="12 minutes ago",
            latest_event_name="Open Practice",
        ),
        TrackListing(
            slug="seoulrc",
            name="서울 RC 서킷",
            track_url="https://seoulrc.liverc.com/",
            activity=Activity.OFFLINE,
            has_live_video=False,
            is_featured=False,
            last_updated_text="Yesterday",
            latest_event_name="2025 서울 오픈 챔피언십",
        ),
        TrackListing(
            slug="shfeichi",
            name="上海飞驰遥控车俱乐部",
            track_url="https://shfeichi.liverc.com/",
            activity=Activity.OFFLINE,
            has_live_video=False,
            is_featured=False,
            last_updated_text="3 weeks ago",
            latest_event_name="飞驰杯 第三站",
        ),
        TrackListing(
            slug="quietacres",
            name="Quiet Acres Raceway",
            track_url="https://quietacres.liverc.com/",
            activity=Activity.OFFLINE,
            has_live_video=False,
            is_featured=False,
            last_updated_text="last year",
            latest_event_name=None,
        ),
    )


def test_a_list_cut_off_inside_a_row_raises_instead_of_returning_fewer_tracks():
    with pytest.raises(TrackListStructureError, match="truncated"):
        parse_track_list(fixture("track_list_truncated.html"))


def test_the_real_list_cut_between_two_rows_raises():
    page = real_page(REAL_LIST)
    cut = page.index('<tr class="clickable-row" data-href="//ifmar.liverc.com/')
    with pytest.raises(TrackListStructureError, match=r"no closing </table>"):
        parse_track_list(page[:cut])


def test_the_real_list_cut_just_before_its_closing_tbody_raises():
    page = real_page(REAL_LIST)
    with pytest.raises(TrackListStructureError, match="truncated"):
        parse_track_list(page[: page.index("</tbody>")])


def test_the_real_list_cut_after_its_table_still_yields_every_track(listings):
    page = real_page(REAL_LIST)
    assert parse_track_list(page[: page.index("</table>") + len("</table>")]) == listings


def test_a_maintenance_page_is_not_a_track_list():
    with pytest.raises(TrackListStructureError, match="maintenance page"):
        parse_track_list(fixture("maintenance.html"))


def test_a_dashboard_given_to_the_list_parser_is_named_as_such():
    page = fixture("dashboard_minimal_comma_street.html")
    with pytest.raises(TrackListStructureError, match="track dashboard"):
        parse_track_list(page)


@pytest.mark.parametrize("page", ["", "   \n", "<html><body></body></html>"])
def test_an_empty_page_has_no_track_table(page):
    with pytest.raises(TrackListStructureError, match=r"no track table"):
        parse_track_list(page)


def small_list_with(old: str, new: str) -> str:
    page = fixture("track_list_small.html")
    assert old in page
    return page.replace(old, new, 1)


def test_a_track_table_without_rows_raises():
    page = fixture("track_list_small.html")
    start, end = page.index("<tbody>") + len("<tbody>"), page.index("</tbody>")
    with pytest.raises(TrackListStructureError, match="no track rows"):
        parse_track_list(page[:start] + page[end:])


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            '<td><span class="hidden">seRC</span><a href="//seoulrc',
            '<span class="hidden">seRC</span><a href="//seoulrc',
            "row 3 has 1 cells instead of 2",
            id="missing name cell",
        ),
        pytest.param(
            '<i class="fa fa-clock-o fa-fw status_1"></i>',
            "",
            r"row 2 \(7SeasRC\) has no activity icon",
            id="missing activity icon",
        ),
        pytest.param(
            '<i class="fa fa-clock-o fa-fw status_1"></i>',
            '<i class="fa fa-clock-o fa-fw status_1"></i><i class="fa status_0"></i>',
            "conflicting activity icon",
            id="two activity icons",
        ),
        pytest.param(
            '<i class="fa fa-video-camera fa-fw status_video_1"></i>',
            "",
            "has no video icon",
            id="missing video icon",
        ),
        pytest.param(
            '<a href="//quietacres.liverc.com/">',
            '<a href="https://example.com/quietacres">',
            "is not //{slug}.liverc.com/",
            id="foreign link",
        ),
        pytest.param(
            '<a href="//quietacres.liverc.com/"><strong>Quiet Acres Raceway</strong></a>',
            "<strong>Quiet Acres Raceway</strong>",
            "row 5 has no track link",
            id="missing link",
        ),
        pytest.param(
            "<strong>Quiet Acres Raceway</strong>",
            "<strong> </strong>",
            r"row 5 \(quietacres\) has no track name",
            id="blank name",
        ),
        pytest.param(
            '<a href="//quietacres.liverc.com/">',
            '<a href="//NorthLoop.liverc.com/">',
            "slug 'NorthLoop' is already listed in row 1",
            id="slug listed twice",
        ),
        pytest.param(
            '<tr class="clickable-row" data-href="//seoulrc.liverc.com/results/">',
            "<tr>",
            "row 3 of the track table is not a tr.clickable-row",
            id="unknown row kind",
        ),
    ],
)
def test_a_row_that_lost_part_of_its_structure_raises(old, new, message):
    with pytest.raises(TrackListStructureError, match=message) as raised:
        parse_track_list(small_list_with(old, new))
    assert "\n" not in str(raised.value)


def test_a_row_without_last_updated_text_or_event_keeps_them_as_none():
    page = small_list_with("<br /><small><small>Yesterday</small></small>", "")
    seoul = parse_track_list(page)[2]
    assert (seoul.slug, seoul.last_updated_text) == ("seoulrc", None)


def test_parse_errors_are_value_errors_of_one_base_class():
    assert issubclass(TrackListStructureError, LiveRCParseError)
    assert issubclass(LiveRCParseError, ValueError)
