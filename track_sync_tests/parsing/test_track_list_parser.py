"""The track list parser: exact values on the real capture, hand-written variants, failures."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from track_sync_assets.domain import Activity, RejectedRow, TrackListing
from track_sync_assets.liverc.parsing import (
    LiveRCParseError,
    TrackListRowError,
    TrackListStructureError,
    parse_track_list,
    parse_track_list_rows,
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


SMALL_SLUGS = ["northloop", "7SeasRC", "seoulrc", "shfeichi", "quietacres"]


@pytest.mark.parametrize(
    ("old", "new", "rejected"),
    [
        pytest.param(
            '<td><span class="hidden">seRC</span><a href="//seoulrc',
            '<span class="hidden">seRC</span><a href="//seoulrc',
            # An HTML parser moves content outside a <td> out of the table: nothing is left.
            RejectedRow(3, "1 cells instead of 2 (status, track name)"),
            id="missing name cell",
        ),
        pytest.param(
            '<i class="fa fa-clock-o fa-fw status_1"></i>',
            "",
            RejectedRow(
                2, "no activity icon (status_0/status_1/status_2)", "7SeasRC",
                "//7SeasRC.liverc.com/", "Seven  Seas RC",
            ),
            id="missing activity icon",
        ),
        pytest.param(
            '<i class="fa fa-clock-o fa-fw status_1"></i>',
            '<i class="fa fa-clock-o fa-fw status_1"></i><i class="fa status_0"></i>',
            RejectedRow(
                2, "conflicting activity icons (status_0/status_1/status_2)", "7SeasRC",
                "//7SeasRC.liverc.com/", "Seven  Seas RC",
            ),
            id="two activity icons",
        ),
        pytest.param(
            '<i class="fa fa-video-camera fa-fw status_video_1"></i>',
            "",
            RejectedRow(
                1, "no video icon (status_video_0/status_video_1)", "northloop",
                "//northloop.liverc.com/", 'North Loop "Indoor" Raceway, Inc.',
            ),
            id="missing video icon",
        ),
        pytest.param(
            '<a href="//quietacres.liverc.com/">',
            '<a href="https://example.com/quietacres">',
            RejectedRow(
                5, "track link 'https://example.com/quietacres' is not //{slug}.liverc.com/",
                None, "https://example.com/quietacres", "Quiet Acres Raceway",
            ),
            id="foreign link",
        ),
        pytest.param(
            '<a href="//quietacres.liverc.com/"><strong>Quiet Acres Raceway</strong></a>',
            "<strong>Quiet Acres Raceway</strong>",
            RejectedRow(
                5, "no track link (a[href]) in its name cell", None, None, "Quiet Acres Raceway"
            ),
            id="missing link",
        ),
        pytest.param(
            "<strong>Quiet Acres Raceway</strong>",
            "<strong> </strong>",
            RejectedRow(5, "no track name", "quietacres", "//quietacres.liverc.com/", None),
            id="blank name",
        ),
        pytest.param(
            '<tr class="clickable-row" data-href="//seoulrc.liverc.com/results/">',
            "<tr>",
            RejectedRow(
                3, "not a tr.clickable-row", "seoulrc", "//seoulrc.liverc.com/", "서울 RC 서킷"
            ),
            id="unknown row kind",
        ),
    ],
)  # fmt: skip
def test_an_unreadable_row_is_rejected_by_number_and_the_others_kept(old, new, rejected):
    result = parse_track_list_rows(small_list_with(old, new))
    assert result.rejected == (rejected,)
    good = [slug for slug in SMALL_SLUGS if slug != SMALL_SLUGS[rejected.row - 1]]
    assert [listing.slug for listing in result.listings] == good
    assert result.rows == 5
    everything = parse_track_list(fixture("track_list_small.html"))
    assert set(result.listings) <= set(everything), "the good rows are read exactly"


def test_the_strict_parser_still_raises_on_an_unreadable_row_naming_it():
    page = small_list_with("<strong>Quiet Acres Raceway</strong>", "<strong> </strong>")
    with pytest.raises(TrackListRowError) as raised:
        parse_track_list(page)
    assert str(raised.value) == "row 5 (quietacres): no track name"
    assert isinstance(raised.value, TrackListStructureError)
    assert [r.row for r in raised.value.rejected] == [5]


def test_the_strict_parser_counts_the_other_rejected_rows():
    page = small_list_with("status_video_1", "status_video_x")
    page = page.replace('<a href="//quietacres.', '<a href="//quiet-acres.')
    with pytest.raises(TrackListRowError, match=r"^row 1 \(northloop\): no video icon") as raised:
        parse_track_list(page)
    assert str(raised.value).endswith("(and 1 more rejected rows)")
    assert [r.row for r in raised.value.rejected] == [1, 5]


def test_a_slug_with_a_letter_outside_a_to_z_is_one_rejected_row_not_a_failed_list():
    """Issue 13 item 9: the simulator listed '//ʻbphsrc.liverc.com/' in row 7914 of 10,000."""
    page = small_list_with('href="//seoulrc.liverc.com/"', 'href="//ʻbphsrc.liverc.com/"')
    result = parse_track_list_rows(page)
    (rejected,) = result.rejected
    assert (
        rejected.message == "row 3: track link '//ʻbphsrc.liverc.com/' is not //{slug}.liverc.com/"
    )
    assert (rejected.slug, rejected.link, rejected.name) == (
        None,
        "//ʻbphsrc.liverc.com/",
        "서울 RC 서킷",
    )
    assert [listing.slug for listing in result.listings] == [
        "northloop",
        "7SeasRC",
        "shfeichi",
        "quietacres",
    ]


def test_one_bad_link_in_the_real_list_rejects_that_row_and_keeps_the_1089_others(listings):
    page = real_page(REAL_LIST)
    old = '<a href="//ifmar.liverc.com/">'
    assert page.count(old) == 1
    result = parse_track_list_rows(page.replace(old, '<a href="//ʻifmar.liverc.com/">'))
    row = next(n for n, listing in enumerate(listings, start=1) if listing.slug == "ifmar")
    assert [(r.row, r.link) for r in result.rejected] == [(row, "//ʻifmar.liverc.com/")]
    assert result.listings == tuple(listing for listing in listings if listing.slug != "ifmar")


def test_the_real_list_has_no_rejected_rows(listings):
    result = parse_track_list_rows(real_page(REAL_LIST))
    assert result.listings == listings
    assert result.rejected == ()


def test_a_list_where_every_row_is_unreadable_raises():
    page = fixture("track_list_small.html").replace('class="clickable-row"', 'class="ad-row"')
    with pytest.raises(
        TrackListStructureError, match=r"every row .* rejected \(5 rows\)"
    ) as raised:
        parse_track_list_rows(page)
    assert "first: row 1 (northloop): not a tr.clickable-row" in str(raised.value)


def test_one_readable_row_among_unreadable_ones_is_still_returned():
    """How many lost rows are too many is the sanity guard's decision, not the parser's."""
    page = fixture("track_list_small.html").replace("status_video_0", "status_video_x")
    result = parse_track_list_rows(page)
    assert [listing.slug for listing in result.listings] == ["northloop"]
    assert [r.row for r in result.rejected] == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(
            '<a href="//quietacres.liverc.com/">', '<a href="//NorthLoop.liverc.com/">', id="good"
        ),
        pytest.param(
            '<a href="//quietacres.liverc.com/"><strong>Quiet Acres Raceway</strong>',
            '<a href="//NorthLoop.liverc.com/"><strong> </strong>',
            id="rejected",
        ),
    ],
)
def test_a_slug_listed_twice_still_fails_the_whole_list(old, new):
    """The store keys tracks by slug: which of the two rows is the track cannot be told."""
    with pytest.raises(
        TrackListStructureError, match="slug 'NorthLoop' is already listed in row 1"
    ):
        parse_track_list_rows(small_list_with(old, new))


def test_a_table_with_a_third_column_is_a_new_layout_and_raises():
    page = small_list_with(
        "<th>Track Name</th></tr></thead>", "<th>Track Name</th><th>Class</th></tr></thead>"
    )
    with pytest.raises(TrackListStructureError, match=r"has 3 columns .* instead of 2"):
        parse_track_list_rows(page)


def test_a_rejected_row_keeps_at_most_200_characters_of_link_and_name():
    page = small_list_with(
        '<a href="//quietacres.liverc.com/"><strong>Quiet Acres Raceway</strong>',
        f'<a href="//{"q" * 5000}.example/"><strong>{"N" * 10_000}</strong>',
    )
    (rejected,) = parse_track_list_rows(page).rejected
    assert len(rejected.link) == len(rejected.name) == 200
    assert rejected.name.endswith("…") and rejected.link.endswith("…")
    assert len(rejected.reason) < 150 and "\n" not in rejected.reason


def test_a_rejected_row_survives_a_round_trip_through_json():
    rejected = RejectedRow(7914, "track link '//ʻb.liverc.com/' is wrong", None, "//ʻb", "ʻB RC")
    assert RejectedRow.from_dict(json.loads(json.dumps(rejected.to_dict()))) == rejected


def test_a_row_without_last_updated_text_or_event_keeps_them_as_none():
    page = small_list_with("<br /><small><small>Yesterday</small></small>", "")
    seoul = parse_track_list(page)[2]
    assert (seoul.slug, seoul.last_updated_text) == ("seoulrc", None)


def test_parse_errors_are_value_errors_of_one_base_class():
    assert issubclass(TrackListStructureError, LiveRCParseError)
    assert issubclass(LiveRCParseError, ValueError)
