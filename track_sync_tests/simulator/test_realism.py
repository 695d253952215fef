"""The simulator behaves like the real list of 2025-12-16, so staleness can be measured on it."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest

from track_sync_assets.liverc.parsing import parse_track_list
from track_sync_assets.simulator import Catalogue, CatalogueFactory, build_catalogue
from track_sync_assets.simulator.tracks import PAGE_FIELDS
from track_sync_tests.conftest import real_page

SIZE = 1090
BUCKETS = ("within a day", "Yesterday", "2-6 days", "last week", "2-4 weeks", "last month",
           "older")  # fmt: skip
CAPTURE = dict(zip(BUCKETS, (354, 45, 112, 104, 141, 163, 171), strict=True))
"""The 2025-12-16 capture: tracks per relative-text bucket, of 1,090."""
TOLERANCE = 0.03
"""Each bucket's share may differ from the capture's by at most 3 points of the list (about
two standard deviations of a day's random activity: 32.5 % within a day is 29.5-35.5 %)."""
SIM_RUN = "import sys; from track_sync_assets.cli import main; sys.exit(main())"


def bucket(text: str | None) -> str:
    text = text or ""
    if re.fullmatch(r"\d+ (minute|hour)s? ago", text):
        return "within a day"
    if text == "Yesterday":
        return "Yesterday"
    if re.fullmatch(r"\d+ days ago", text):
        return "2-6 days"
    if text == "last week":
        return "last week"
    if re.fullmatch(r"\d+ weeks ago", text):
        return "2-4 weeks"
    if text == "last month":
        return "last month"
    return "older"


def shares(texts: list[str | None]) -> dict[str, float]:
    counts = Counter(bucket(text) for text in texts)
    return {name: counts[name] / len(texts) for name in BUCKETS}


@pytest.fixture(scope="module")
def days() -> dict[int, Catalogue]:
    factory = CatalogueFactory(seed=1, size=SIZE)
    return {day: factory.day(day) for day in range(1, 31)}


def test_the_capture_has_the_counts_this_test_compares_with() -> None:
    listings = parse_track_list(real_page("track-list_2025-12-16.html"))
    counts = Counter(bucket(t.last_updated_text) for t in listings)
    assert {name: counts[name] for name in BUCKETS} == CAPTURE


@pytest.mark.parametrize("day", [1, 2, 8, 15, 30])
def test_the_spread_of_last_updated_texts_matches_the_capture(
    days: dict[int, Catalogue], day: int
) -> None:
    simulated = shares([t.last_updated_text for t in days[day]])
    for name in BUCKETS:
        assert simulated[name] == pytest.approx(CAPTURE[name] / SIZE, abs=TOLERANCE), name


@pytest.mark.parametrize("seed", [2, 3])
def test_other_seeds_match_the_capture_too(seed: int) -> None:
    simulated = shares([t.last_updated_text for t in build_catalogue(seed, SIZE, 10)])
    for name in BUCKETS:
        assert simulated[name] == pytest.approx(CAPTURE[name] / SIZE, abs=TOLERANCE), name


def test_volatile_fields_change_only_for_tracks_with_activity_that_day(
    days: dict[int, Catalogue],
) -> None:
    """Counters, month tiles and the list's activity move only with activity (month starts
    aside); the list and the dashboard agree on it."""
    for before, today in itertools.pairwise(days[d] for d in range(1, 31)):
        month_start = today.date.month != before.date.month
        for track in today:
            old = before.get(track.slug)
            if old is None or not old.listed:
                continue
            active = track.idle_minutes < 1440
            assert track.is_live == (track.activity.value != "offline")
            assert active == (today.last_activity_at(track) > before.snapshot_at)  # since then
            if not active:
                assert (track.total_laps, track.total_practice_sessions, track.total_races) == (
                    old.total_laps, old.total_practice_sessions, old.total_races)  # fmt: skip
                assert not track.is_live
                assert today.last_activity_at(track) == before.last_activity_at(old)
                if not month_start:
                    assert track.results_this_month == old.results_this_month
            else:
                assert track.total_practice_sessions > old.total_practice_sessions
            changed_page = track.page_changed_day == today.day
            explained = active or track.slug in today.changed or month_start or old.is_live
            assert not changed_page or explained, track.slug


def test_catalogue_changes_follow_their_own_rate_whatever_the_activity() -> None:
    quiet = CatalogueFactory(seed=4, size=SIZE, change_rate=0.0)
    busy = CatalogueFactory(seed=4, size=SIZE, change_rate=0.05)
    changed_busy = [busy.day(d).changed for d in range(2, 12)]
    assert all(not quiet.day(d).changed for d in range(2, 12))
    total = sum(len(changed) for changed in changed_busy)
    assert 0.03 * SIZE * 10 <= total <= 0.07 * SIZE * 10
    idle_changed = [slug for d, changed in zip(range(2, 12), changed_busy, strict=True)
                    for slug in changed if busy.day(d)[slug].idle_minutes >= 1440]  # fmt: skip
    assert len(idle_changed) > total / 3  # idle tracks change too: no tie to activity
    with pytest.raises(ValueError, match="change_rate"):
        CatalogueFactory(seed=4, size=10, change_rate=1.5)


def test_an_idle_tracks_page_only_changes_with_a_catalogue_change(
    days: dict[int, Catalogue],
) -> None:
    today, before = days[12], days[11]
    for track in today:
        old = before.get(track.slug)
        if old is None or track.idle_minutes < 1440 or old.is_live or track.slug in today.changed:
            continue
        assert [getattr(track, f) for f in PAGE_FIELDS if f != "is_live"] == [
            getattr(old, f) for f in PAGE_FIELDS if f != "is_live"
        ]


def test_the_truth_command_prints_every_track_with_its_last_activity() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SIM_RUN, "simulate", "--truth", "--day", "4", "--tracks", "120",
         "--seed", "3", "--change-rate", "0.05"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    truth = json.loads(done.stdout)
    catalogue = build_catalogue(3, 120, 4, change_rate=0.05)
    assert (truth["day"], truth["date"], truth["listed"]) == (4, "2025-12-19", len(catalogue))
    assert truth["snapshot_at"] == "2025-12-19T12:00:00+00:00"
    assert len(truth["tracks"]) == len(catalogue.tracks)
    assert truth["changed"] == {slug: list(f) for slug, f in sorted(catalogue.changed.items())}
    for entry in truth["tracks"]:
        track = catalogue[entry["slug"]]
        assert (entry["email"], entry["phone"], entry["website"], entry["name"]) == (
            track.email, track.phone, track.website, track.name)  # fmt: skip
        assert entry["street_address"] == track.street_address and entry["city"] == track.city
        assert entry["listed"] == track.listed
        expected = catalogue.snapshot_at - timedelta(minutes=track.idle_minutes)
        assert entry["last_activity_at"] == expected.isoformat()


def test_slugs_are_valid_and_unique_at_ten_thousand_tracks() -> None:
    """Issue 13 §9: a place name with an ʻokina once made an invalid slug at this size."""
    catalogue = build_catalogue(1, 10_000, 3)
    slugs = [track.slug for track in catalogue.tracks.values()]
    assert len(catalogue) >= 9_990
    assert all(re.fullmatch(r"[A-Za-z0-9]{1,36}", slug) for slug in slugs)
    assert len({slug.lower() for slug in slugs}) == len(slugs)
    assert any(re.search(r"[^\x00-\x7f]", t.name) for t in catalogue.tracks.values())
