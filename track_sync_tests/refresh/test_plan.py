"""The refresh plan as a specification: who is fetched today, and why (issue 10 §1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from track_sync_assets.domain import Activity, TrackListing
from track_sync_assets.liverc.parsing import parse_track_list
from track_sync_assets.refresh import (
    Reason,
    RefreshSettings,
    Skip,
    TrackState,
    plan_refresh,
    rolling_slot,
)
from track_sync_tests.conftest import real_page

LISTED = datetime(2025, 12, 16, 0, 5, tzinfo=UTC)
"""The list's fetch time (the daily sync runs at 00:00 UTC)."""


def row(slug: str, text: str = "last month", activity: Activity = Activity.OFFLINE) -> TrackListing:
    return TrackListing(slug, slug.title(), f"https://{slug}.liverc.com/", activity, False, False,
                        text, None)  # fmt: skip


def listed(slug: str, text: str = "last month", *, fetched_ago: timedelta | None = None,
           activity: Activity = Activity.OFFLINE, failed: bool = False) -> TrackState:  # fmt: skip
    last = None if fetched_ago is None else LISTED - fetched_ago
    return TrackState(slug, row(slug, text, activity), last, failed)


def off_slot(slug: str = "track", when: datetime = LISTED) -> str:
    """``slug`` with a suffix whose rolling day is not ``when``'s."""
    today = (when.date() - datetime(1970, 1, 1).date()).days % 7
    return next(f"{slug}{n}" for n in range(100) if rolling_slot(f"{slug}{n}", 7) != today)


@pytest.fixture(scope="module")
def real_list() -> tuple[TrackListing, ...]:
    return parse_track_list(real_page("track-list_2025-12-16.html"))


# --- The real list of 2025-12-16. ---


def test_real_list_fetched_a_day_before_is_due_by_activity_as_its_texts_say(
    real_list: tuple[TrackListing, ...],
) -> None:
    """354 tracks within a day (126 live) plus the 45 'Yesterday' (the boundary: in doubt, due)."""
    states = [TrackState(t.slug, t, LISTED - timedelta(hours=24)) for t in real_list]
    plan = plan_refresh(states, now=LISTED)
    within_a_day = [t for t in real_list if t.last_updated_text.endswith(("minute ago",
                    "minutes ago", "hour ago", "hours ago"))]  # fmt: skip
    yesterday = [t for t in real_list if t.last_updated_text == "Yesterday"]
    assert (len(within_a_day), len(yesterday)) == (354, 45)
    active = {key for key in plan.due if plan[key].reason is Reason.ACTIVE}
    assert active == {t.slug_key for t in within_a_day + yesterday}
    assert plan.counts["active"] == 399  # 36.6 % of 1,090
    assert 0.40 <= len(plan.due) / len(real_list) <= 0.50  # with the day's rolling share


def test_real_list_fetched_two_days_before_adds_the_two_day_olds(
    real_list: tuple[TrackListing, ...],
) -> None:
    states = [TrackState(t.slug, t, LISTED - timedelta(hours=48)) for t in real_list]
    plan = plan_refresh(states, now=LISTED)
    assert plan.counts["active"] == 399 + 26  # "2 days ago" may be 36 h old


def test_a_fetch_after_the_last_activity_is_not_activity() -> None:
    plan = plan_refresh([listed(off_slot(), "3 hours ago", fetched_ago=timedelta(hours=2))],
                        now=LISTED)  # fmt: skip
    assert plan.due == () and plan.decisions[0].reason is Skip.NOT_DUE


def test_activity_after_the_last_fetch_is_due() -> None:
    plan = plan_refresh([listed(off_slot(), "3 hours ago", fetched_ago=timedelta(hours=4))],
                        now=LISTED)  # fmt: skip
    assert plan.decisions[0].reason is Reason.ACTIVE
    assert "'3 hours ago' allows activity after" in plan.decisions[0].detail


@pytest.mark.parametrize("activity", [Activity.RACING, Activity.PRACTISING])
def test_racing_or_practising_now_is_due_even_just_after_a_fetch(activity: Activity) -> None:
    state = listed(off_slot(), "1 minute ago", fetched_ago=timedelta(minutes=1), activity=activity)
    plan = plan_refresh([state], now=LISTED)
    assert plan.decisions[0].reason is Reason.ACTIVE
    assert plan.decisions[0].detail == f"active: {activity.value} now"


def test_an_unknown_text_is_taken_as_activity() -> None:
    plan = plan_refresh([listed(off_slot(), "just now", fetched_ago=timedelta(hours=1))],
                        now=LISTED)  # fmt: skip
    assert plan.decisions[0].reason is Reason.ACTIVE and "unrecognised" in plan.decisions[0].detail


def test_a_wide_text_after_a_long_gap_is_due() -> None:
    plan = plan_refresh([listed(off_slot(), "last week", fetched_ago=timedelta(days=6, hours=1))],
                        now=LISTED)  # fmt: skip
    assert plan.decisions[0].reason is Reason.ACTIVE


# --- New, failed and the order of reasons. ---


def test_never_fetched_is_new_and_new_wins_over_every_other_reason() -> None:
    state = listed("fresh", "1 minute ago", activity=Activity.RACING, failed=True)
    plan = plan_refresh([state], now=LISTED, settings=RefreshSettings(forced=True))
    assert plan["fresh"].reason is Reason.NEW


def test_a_failed_last_attempt_is_due_from_the_catalogue_or_from_dagster() -> None:
    states = [
        listed(off_slot("a"), fetched_ago=timedelta(days=2), failed=True),
        listed(off_slot("b"), fetched_ago=timedelta(days=2)),
        listed(off_slot("c"), fetched_ago=timedelta(days=2)),
    ]
    plan = plan_refresh(states, now=LISTED, failed_keys={states[1].slug.upper()})
    assert [d.reason for d in plan.decisions] == [Reason.FAILED, Reason.FAILED, Skip.NOT_DUE]


def test_a_skipped_track_says_why_in_words() -> None:
    slug = off_slot()
    plan = plan_refresh([listed(slug, fetched_ago=timedelta(days=2))], now=LISTED)
    detail = plan[slug].detail
    assert detail.startswith("not due: no activity since last fetch 2025-12-14; rolling refresh")
    assert "on day 2 of 7, next 2025-12-" in detail


# --- Rolling refresh. ---


def test_rolling_spreads_the_list_evenly_and_reaches_every_track_within_seven_days(
    real_list: tuple[TrackListing, ...],
) -> None:
    idle = [row(t.slug) for t in real_list]  # no activity at all: only the rolling rule
    due_days: dict[str, list[int]] = {t.slug_key: [] for t in idle}
    shares = []
    for day in range(10):
        now = LISTED + timedelta(days=day)
        plan = plan_refresh([TrackState(t.slug, t, now - timedelta(days=1)) for t in idle], now=now)
        assert set(plan.counts) >= {"rolling"} and plan.counts["rolling"] == len(plan.due)
        shares.append(len(plan.due) / len(idle))
        for key in plan.due:
            due_days[key].append(day)
    assert all(0.75 / 7 <= share <= 1.25 / 7 for share in shares), shares  # 122..170 of 1,090
    for window_start in range(4):  # any 7 consecutive days
        assert all(any(window_start <= d < window_start + 7 for d in days)
                   for days in due_days.values())  # fmt: skip
    assert all(len(days) in (1, 2) for days in due_days.values())


def test_rolling_day_of_a_track_is_stable_and_ignores_case() -> None:
    assert rolling_slot("FastandFunToyandHobby", 7) == rolling_slot("fastandfuntoyandhobby", 7)
    assert [rolling_slot(f"t{n}", 7) for n in range(5)] == [rolling_slot(f"t{n}", 7)
                                                           for n in range(5)]  # fmt: skip


def test_a_fetch_older_than_the_max_age_is_caught_up_whatever_the_day() -> None:
    slug = off_slot()
    old = listed(slug, fetched_ago=timedelta(days=7, hours=1))
    recent = listed(slug, fetched_ago=timedelta(days=6, hours=23))
    assert plan_refresh([old], now=LISTED)[slug].reason is Reason.ROLLING
    assert plan_refresh([recent], now=LISTED)[slug].reason is Skip.NOT_DUE
    longer = RefreshSettings(max_age_days=14)
    assert plan_refresh([old], now=LISTED, settings=longer)[slug].due is False


def test_a_track_already_fetched_today_is_not_due_again_on_its_rolling_day() -> None:
    today = (LISTED.date() - datetime(1970, 1, 1).date()).days % 7
    slug = next(f"t{n}" for n in range(100) if rolling_slot(f"t{n}", 7) == today)
    later = LISTED + timedelta(hours=6)
    state = TrackState(slug, row(slug), LISTED + timedelta(minutes=3))
    assert plan_refresh([state], now=later, list_fetched_at=later).due == ()
    yesterday = TrackState(slug, row(slug), LISTED - timedelta(days=1))
    assert plan_refresh([yesterday], now=later)[slug].reason is Reason.ROLLING


# --- Departed tracks. ---


def departed(slug: str, off_days: float, fetched_days: float, failed: bool = False) -> TrackState:
    return TrackState(slug, None, LISTED - timedelta(days=fetched_days), failed,
                      LISTED - timedelta(days=off_days))  # fmt: skip


def test_departed_tracks_follow_the_rolling_age_only() -> None:
    plan = plan_refresh([departed(off_slot("a"), 3, 8), departed(off_slot("b"), 3, 2)], now=LISTED)
    assert [d.reason for d in plan.decisions] == [Reason.DEPARTED, Skip.DEPARTED_NOT_DUE]
    assert plan.decisions[1].detail.startswith("departed 3 days ago: rolling refresh on day 2")


def test_departed_for_more_than_the_window_is_never_due_whatever_else() -> None:
    states = [departed("gone", 45, 40, failed=True), TrackState("never", None, None, False,
              LISTED - timedelta(days=31))]  # fmt: skip
    for day in range(8):
        now = LISTED + timedelta(days=day)
        plan = plan_refresh(states, now=now, settings=RefreshSettings(forced=True))
        assert plan.due == ()
    assert plan["gone"].detail == "departed 52 days ago: no longer refreshed"
    assert plan.counts["departed_expired"] == 2


def test_a_track_missing_from_todays_list_without_a_date_left_today() -> None:
    state = TrackState(off_slot(), None, LISTED - timedelta(days=8), False, None)
    plan = plan_refresh([state], now=LISTED, settings=RefreshSettings(departed_refresh_days=0))
    assert plan.decisions[0].reason is Reason.DEPARTED


# --- Forced, determinism and the plan's forms. ---


def test_forced_fetches_every_listed_track_and_departed_ones_in_the_window() -> None:
    states = [listed(off_slot("a"), fetched_ago=timedelta(days=1)),
              listed(off_slot("b"), "2 hours ago", fetched_ago=timedelta(days=1)),
              departed(off_slot("c"), 10, 1), departed(off_slot("d"), 31, 1)]  # fmt: skip
    plan = plan_refresh(states, now=LISTED, settings=RefreshSettings(forced=True))
    assert [d.reason for d in plan.decisions] == [Reason.FORCED, Reason.ACTIVE, Reason.FORCED,
                                                  Skip.DEPARTED_EXPIRED]  # fmt: skip


def test_equal_inputs_give_equal_plans_in_any_order(real_list: tuple[TrackListing, ...]) -> None:
    states = [TrackState(t.slug, t, LISTED - timedelta(hours=n % 50)) for n, t in
              enumerate(real_list)]  # fmt: skip
    first = plan_refresh(states, now=LISTED, failed_keys=["thunderalley"])
    second = plan_refresh(list(reversed(states)), now=LISTED, failed_keys=["thunderalley"])
    assert first.decisions == second.decisions and first.to_dict() == second.to_dict()


def test_the_same_track_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="given twice: abc"):
        plan_refresh([listed("abc"), listed("ABC")], now=LISTED)


def test_summary_counts_and_json_form() -> None:
    states = [listed("new1"), listed(off_slot("a"), "2 hours ago", fetched_ago=timedelta(days=1)),
              listed(off_slot("b"), fetched_ago=timedelta(days=1))]  # fmt: skip
    plan = plan_refresh(states, now=LISTED)
    assert plan.summary() == "2 of 3 due (new 1, active 1); 1 skipped (not_due 1)"
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["counts"] == {"new": 1, "failed": 0, "active": 1, "rolling": 0, "departed": 0,
                              "forced": 0, "not_due": 1, "departed_not_due": 0,
                              "departed_expired": 0}  # fmt: skip
    assert data["due"] == list(plan.due) == sorted(plan.due)
    assert [d["reason"] for d in data["decisions"]] == ["active", "not_due", "new"]
    assert "decisions" not in plan.to_dict(decisions=False)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        RefreshSettings(max_age_days=0)
    with pytest.raises(ValueError):
        RefreshSettings(departed_refresh_days=-1)
