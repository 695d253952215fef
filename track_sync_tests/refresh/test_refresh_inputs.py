"""The catalogue tells the plan, per track, when it was last fetched and since when it is off
the list, in two queries, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from track_sync_assets.domain import Activity, DashboardFetch, FetchOutcome, TrackListing
from track_sync_assets.refresh import Reason, Skip, plan_refresh, track_states
from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.refresh_inputs import RefreshInput, refresh_inputs
from track_sync_tests.store.store_factories import fetched, not_fetched

DAY0 = datetime(2026, 3, 1, 0, 5, tzinfo=UTC)


def at(days: float) -> datetime:
    return DAY0 + timedelta(days=days)


def row(slug: str, text: str = "last month") -> TrackListing:
    return TrackListing(slug, f"{slug} Raceway", f"https://{slug}.liverc.com/", Activity.OFFLINE,
                        False, False, text, None)  # fmt: skip


def fetch(slug: str, when: datetime, outcome: FetchOutcome = FetchOutcome.OK) -> DashboardFetch:
    if outcome is FetchOutcome.OK:
        return fetched(slug, when)
    return not_fetched(slug, when, outcome)


def build(store: CatalogueStore) -> None:
    """Day 0: five tracks listed, four fetched. Day 2: 'gone' leaves; later attempts vary."""
    first = [row("okay"), row("Mixed"), row("broken"), row("gone"), row("fresh")]
    store.record_dashboard_fetches("r0", [fetch(t.slug, at(0)) for t in first[:4]])
    store.apply_sync("r0", first, store.dashboard_states(), {}, now=at(0))
    store.record_dashboard_fetches("r1", [
        fetch("Mixed", at(1), FetchOutcome.NOT_MODIFIED),
        fetch("broken", at(1), FetchOutcome.FAILED),
        fetch("orphan", at(1)),  # fetched, but its catalogue update never happened
    ])  # fmt: skip
    store.apply_sync("r2", first[:3] + first[4:], {}, {}, now=at(2))


def test_inputs_hold_the_last_success_the_last_outcome_and_the_departure(
    store: CatalogueStore,
) -> None:
    build(store)
    with store.engine.connect() as conn:
        inputs = refresh_inputs(conn, store.source)
    assert sorted(inputs) == ["broken", "fresh", "gone", "mixed", "okay", "orphan"]
    summary = {
        key: (i.slug, i.last_success_at, i.last_attempt_failed, i.is_active, i.off_list_since,
              i.in_catalogue) for key, i in inputs.items()
    }  # fmt: skip
    assert summary == {
        "okay": ("okay", at(0), False, True, None, True),
        "mixed": ("Mixed", at(1), False, True, None, True),  # a 304 confirms the stored parse
        "broken": ("broken", at(0), True, True, None, True),  # the last good parse, and failing
        "gone": ("gone", at(0), False, False, at(2), True),
        "fresh": ("fresh", None, False, True, None, True),
        "orphan": ("orphan", at(1), False, False, None, False),
    }
    assert inputs["broken"].last_outcome is FetchOutcome.FAILED
    assert inputs["fresh"].last_outcome is None and inputs["fresh"].last_attempt_at is None


def test_an_empty_catalogue_has_no_inputs(store: CatalogueStore) -> None:
    with store.engine.connect() as conn:
        assert refresh_inputs(conn, store.source) == {}


def test_another_source_is_not_read(store: CatalogueStore) -> None:
    build(store)
    with store.engine.connect() as conn:
        assert refresh_inputs(conn, "other") == {}


def test_the_plan_reads_the_catalogue_and_todays_list(store: CatalogueStore) -> None:
    build(store)
    with store.engine.connect() as conn:
        inputs: dict[str, RefreshInput] = refresh_inputs(conn, store.source)
    today = [row("okay", "2 hours ago"), row("MIXED"), row("broken"), row("fresh"), row("newbie")]
    plan = plan_refresh(track_states(today, inputs), now=at(3), failed_keys=["okay"])
    reasons = {d.slug_key: d.reason for d in plan.decisions}
    assert reasons["okay"] is Reason.FAILED  # Dagster's FAILED partition
    assert reasons["broken"] is Reason.FAILED and reasons["fresh"] is Reason.NEW
    assert reasons["newbie"] is Reason.NEW
    assert reasons["gone"] in (Reason.DEPARTED, Skip.DEPARTED_NOT_DUE)  # off the list 1 day
    assert reasons["orphan"] in (Reason.DEPARTED, Skip.DEPARTED_NOT_DUE)  # left "today"
    assert plan["MIXED"].slug == "MIXED"  # today's spelling
    later = plan_refresh(track_states(today, inputs), now=at(40))
    assert later["gone"].reason is Skip.DEPARTED_EXPIRED
