"""The dashboard parser: exact values on both real captures, hand-written variants, failures."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from track_sync_assets.domain import TrackDashboard
from track_sync_assets.liverc.parsing import (
    DashboardStructureError,
    LiveRCParseError,
    parse_dashboard,
)
from track_sync_tests.conftest import real_expected, real_page

FIXTURES = Path(__file__).parent / "fixtures"
REAL_DASHBOARDS = {
    "thunderalley": "dashboards/thunderalley_2026-01.html",
    "canberraoffroad": "dashboards/canberraoffroad_2026-03-07.html",
}
MAPS_API_KEY_PREFIX = "AIza"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_with(name: str, old: str, new: str) -> str:
    page = fixture(name)
    assert old in page, f"{old!r} not in {name}"
    return page.replace(old, new, 1)


# --- The two real captures ---


@pytest.mark.parametrize("slug", sorted(REAL_DASHBOARDS))
def test_every_field_of_a_real_dashboard_matches_the_expected_values(slug):
    expected = real_expected(f"dashboard-{slug}.json")
    dashboard = parse_dashboard(real_page(REAL_DASHBOARDS[slug]))
    data = dashboard.to_dict()
    assert data.pop("name") == expected["track_name"]
    assert data.pop("is_live") is expected["live_status"].startswith("LIVE")
    data.pop("phone_e164")  # not in the expected file: checked below
    for field_name, value in data.items():
        assert value == expected[field_name], field_name
    assert dashboard.discrepancies == ()


def test_a_real_us_phone_gets_its_e164_form():
    dashboard = parse_dashboard(real_page(REAL_DASHBOARDS["thunderalley"]))
    assert dashboard.phone == "+1 252-291-4088"
    assert dashboard.phone_e164 == "+12522914088"


def test_a_real_phone_shown_as_n_a_is_none():
    dashboard = parse_dashboard(real_page(REAL_DASHBOARDS["canberraoffroad"]))
    assert dashboard.phone is None
    assert dashboard.phone_e164 is None


def test_a_real_address_without_state_keeps_its_leading_zero_postal_code():
    dashboard = parse_dashboard(real_page(REAL_DASHBOARDS["canberraoffroad"]))
    assert (dashboard.city, dashboard.state, dashboard.postal_code) == (
        "Narrabundah",
        None,
        "02604",
    )
    assert (dashboard.country, dashboard.country_code) == ("Australia", "AU")


@pytest.mark.parametrize("slug", sorted(REAL_DASHBOARDS))
def test_the_maps_api_key_is_never_part_of_the_result(slug):
    page = real_page(REAL_DASHBOARDS[slug])
    assert MAPS_API_KEY_PREFIX in page
    dashboard = parse_dashboard(page)
    assert MAPS_API_KEY_PREFIX not in repr(dashboard)
    assert "key=" not in repr(dashboard)


@pytest.mark.parametrize("slug", sorted(REAL_DASHBOARDS))
def test_a_real_dashboard_cut_before_its_end_raises(slug):
    page = real_page(REAL_DASHBOARDS[slug])
    with pytest.raises(DashboardStructureError, match="truncated"):
        parse_dashboard(page[: page.index("<!-- /#page-wrapper -->")])


def test_to_dict_round_trips_and_has_the_cli_keys():
    dashboard = parse_dashboard(real_page(REAL_DASHBOARDS["thunderalley"]))
    data = dashboard.to_dict()
    assert list(data) == [
        f.name for f in dataclasses.fields(TrackDashboard) if f.name != "discrepancies"
    ]
    assert TrackDashboard.from_dict(data) == dashboard


# --- Hand-written variants the real pages don't show ---


def test_facebook_page_panel_alphanumeric_postal_code_and_live_practice():
    dashboard = parse_dashboard(fixture("dashboard_facebook_page_alnum_postal.html"))
    assert dashboard == TrackDashboard(
        name="Pista Norte RC",
        street_address="Ruta 9 Km 1602",
        city="Villa Ejemplo",
        state="Salta",
        postal_code="A2536",
        country="Argentina",
        country_code="AR",
        phone="+54 387 421-2345",
        phone_e164="+543874212345",
        website="https://pistanorte.example.ar/",
        email="club@pistanorte.com.ar",
        description="Pista de tierra 1/8 & 1/10.\nAbierto sábados desde las 9:00\nCantina y baños.",
        logo_url="https://assets.livetimescoring.com/track_logos/9001/pista_norte.png?dt=2024-02-29_08:15:00",
        facebook_url="https://www.facebook.com/groups/pistanorterc/",
        total_laps=1_000_001,
        total_practice_sessions=999,
        total_races=1000,
        total_entries=12_345,
        total_events=7,
        is_live=True,
        results_this_month=1204,
        sessions_this_month=15,
        videos_this_month=0,
    )
    assert dashboard.discrepancies == ()


def test_absent_logo_description_phone_and_facebook_are_none_and_commas_stay_in_the_street():
    dashboard = parse_dashboard(fixture("dashboard_minimal_comma_street.html"))
    assert dashboard.street_address == "Unit 4, 12 Sample Crescent, Rear Building"
    assert (dashboard.city, dashboard.state, dashboard.postal_code) == ("Fyshwick", None, "02609")
    assert (dashboard.country, dashboard.country_code) == ("Australia", "AU")
    assert dashboard.logo_url is None
    assert dashboard.description is None
    assert dashboard.phone is None
    assert dashboard.phone_e164 is None
    assert dashboard.facebook_url is None
    assert dashboard.is_live is False
    assert dashboard.email == "secretary@fyshwickrc.org.au"
    assert dashboard.discrepancies == ()


def test_a_chinese_track_with_korean_description_is_parsed_exactly():
    dashboard = parse_dashboard(fixture("dashboard_chinese_email_mismatch.html"))
    assert dashboard.name == "上海飞驰遥控车俱乐部"
    assert dashboard.street_address == "浦东新区张江路 88 号"
    assert (dashboard.city, dashboard.state, dashboard.postal_code) == ("上海", "上海", "201203")
    assert (dashboard.country, dashboard.country_code) == ("China", "CN")
    assert dashboard.description == "室内地毯赛道 1/10 房车\n실내 카펫 트랙 & 드리프트"
    assert dashboard.phone_e164 == "+862168888888"
    assert dashboard.website is None
    assert dashboard.facebook_url == "https://facebook.com/feichirc"
    assert dashboard.sessions_this_month == 3210


def test_disagreeing_email_forms_keep_the_nospam_arguments_and_record_the_discrepancy():
    dashboard = parse_dashboard(fixture("dashboard_chinese_email_mismatch.html"))
    assert dashboard.email == "racing@feichi-rc.cn"
    assert len(dashboard.discrepancies) == 1
    assert "info@feichi-rc.cn" in dashboard.discrepancies[0]
    assert "racing@feichi-rc.cn" in dashboard.discrepancies[0]


def test_a_phone_that_is_not_a_valid_number_has_no_e164_form():
    page = fixture_with(
        "dashboard_facebook_page_alnum_postal.html",
        '<a href="tel:+54 387 421-2345">+54 387 421-2345</a>',
        '<a href="tel:call us">call us</a>',
    )
    dashboard = parse_dashboard(page)
    assert (dashboard.phone, dashboard.phone_e164) == ("call us", None)


def test_a_national_phone_is_read_in_the_tracks_country():
    page = fixture_with(
        "dashboard_minimal_comma_street.html",
        '<abbr title="Phone">P:</abbr> N/A',
        '<abbr title="Phone">P:</abbr> <a href="tel:(02) 6295 1234">(02) 6295 1234</a>',
    )
    assert parse_dashboard(page).phone_e164 == "+61262951234"


def test_a_us_state_code_that_is_also_a_country_code_never_becomes_the_country():
    page = fixture_with(
        "dashboard_minimal_comma_street.html",
        "Unit 4, 12 Sample Crescent, Rear Building,Fyshwick,+02609,AU",
        "1 Capitol Mall,Sacramento,CA+95814,US",
    )
    page = page.replace("<br>Australia\n", "", 1)
    dashboard = parse_dashboard(page)
    assert (dashboard.state, dashboard.country_code) == ("CA", "US")
    assert dashboard.country == "United States"
    assert any("2 lines instead of 3" in note for note in dashboard.discrepancies)


def test_a_missing_map_country_code_is_taken_from_the_about_country_name():
    page = fixture_with(
        "dashboard_minimal_comma_street.html", "Fyshwick,+02609,AU", "Fyshwick,+02609,"
    )
    dashboard = parse_dashboard(page)
    assert (dashboard.country, dashboard.country_code) == ("Australia", "AU")


def test_address_disagreements_between_map_and_about_block_are_recorded_not_raised():
    page = fixture_with(
        "dashboard_minimal_comma_street.html", "<br>Fyshwick 02609", "<br>Canberra, ACT 2600"
    )
    page = page.replace("<br>Australia", "<br>New Zealand", 1)
    dashboard = parse_dashboard(page)
    assert (dashboard.city, dashboard.postal_code, dashboard.country_code) == (
        "Fyshwick",
        "02609",
        "AU",
    )
    notes = " | ".join(dashboard.discrepancies)
    assert "locality" in notes
    assert "country: map query says AU" in notes


def test_an_unknown_live_state_or_unreadable_counter_becomes_none_with_a_note():
    page = fixture_with(
        "dashboard_minimal_comma_street.html", "Track is Offline", "Track is Resting"
    )
    page = page.replace('<td class="text-right">0</td>', '<td class="text-right">lots</td>', 1)
    dashboard = parse_dashboard(page)
    assert dashboard.is_live is None
    assert dashboard.total_laps is None
    assert dashboard.total_races == 0
    assert len(dashboard.discrepancies) == 2


# --- Pages that are not what they should be ---


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            "About Fyshwick Indoor RC", "Fyshwick Indoor RC", "no About panel", id="no About panel"
        ),
        pytest.param('<address class="small">', "<div>", "no <address>", id="no address block"),
        pytest.param("> Track Map<", "> Map<", "no Track Map panel", id="no Track Map panel"),
        pytest.param("<iframe ", "<img ", r"no iframe\[src\]", id="no map iframe"),
        pytest.param("&q=", "&where=", r"no address query \(q=\)", id="no map query"),
        pytest.param(
            "Fyshwick,+02609,AU", "Fyshwick 02609 AU", "is not street,city", id="odd map query"
        ),
        pytest.param(
            "Lifetime Track Stats", "Stats", "no Lifetime Track Stats panel", id="no stats panel"
        ),
        pytest.param(
            "row dashboard_panels", "row tiles", "no summary tiles", id="no summary tiles"
        ),
        pytest.param("</html>", "", "truncated", id="no closing html"),
    ],
)
def test_a_dashboard_missing_a_required_part_raises_naming_it(old, new, message):
    page = fixture_with("dashboard_minimal_comma_street.html", old, new)
    with pytest.raises(DashboardStructureError, match=message) as raised:
        parse_dashboard(page)
    assert "\n" not in str(raised.value)


def test_the_track_list_given_to_the_dashboard_parser_is_named_as_such():
    with pytest.raises(DashboardStructureError, match="the LiveRC track list"):
        parse_dashboard(fixture("track_list_small.html"))


def test_a_maintenance_page_is_not_a_dashboard():
    with pytest.raises(DashboardStructureError, match="maintenance page"):
        parse_dashboard(fixture("maintenance.html"))


@pytest.mark.parametrize("page", ["", "<html></html>", "just text"])
def test_an_empty_page_has_no_about_panel(page):
    with pytest.raises(DashboardStructureError, match="no About panel"):
        parse_dashboard(page)


def test_dashboard_errors_share_the_parse_error_base():
    assert issubclass(DashboardStructureError, LiveRCParseError)
