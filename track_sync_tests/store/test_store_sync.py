"""The sync's write path: add, update, refresh, deactivate, reactivate, idempotence."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
import sqlalchemy as sa
from store_factories import dashboard, day, fetched, geocode, listing, listings, not_fetched

from track_sync_assets.domain import Activity, FetchOutcome
from track_sync_assets.store import CatalogueStore, ChangeKind, FieldChange, SanityGuard
from track_sync_assets.store.schema import tracks

PERMISSIVE = SanityGuard(min_rows=1, min_share_of_active=0.0)


def test_a_first_sync_adds_every_track_with_its_listing_dashboard_and_geocode(
    store: CatalogueStore,
) -> None:
    items = listings("alpha", "bravo", "charlie")
    result = store.apply_sync(
        "run-1",
        items,
        {"alpha": fetched("alpha", day(0)), "bravo": fetched("bravo", day(0))},
        {"alpha": geocode(35.6, -77.9)},
        now=day(0),
    )

    assert result.counts["added"] == 3
    assert sorted(result.added) == ["alpha", "bravo", "charlie"]
    assert store.track_count() == 3
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert alpha["name"] == "Alpha Raceway"
    assert alpha["dashboard_name"] == "Alpha Raceway"
    assert alpha["city"] == "Lucama"
    assert alpha["total_laps"] == 230_327
    assert alpha["is_live"] is False
    assert (alpha["latitude"], alpha["longitude"]) == (35.6, -77.9)
    assert alpha["geocode_precision"] == "street"
    assert alpha["dashboard_status"] == "ok"
    assert alpha["dashboard_etag"] == 'W/"alpha-01"'
    assert alpha["first_seen_at"] == alpha["last_seen_at"] == alpha["created_at"] == day(0)
    assert alpha["is_active"] is True
    charlie = store.get_track("charlie")
    assert charlie is not None
    assert charlie["city"] is None
    assert charlie["dashboard_status"] is None
    added = next(change for change in result.changes if change.slug == "alpha")
    assert FieldChange("city", None, "Lucama") in added.fields


def test_a_changed_catalogue_field_is_an_update_logged_field_by_field(
    store: CatalogueStore,
) -> None:
    store.apply_sync(
        "run-1", listings("alpha", "bravo"), {"alpha": fetched("alpha", day(0))}, now=day(0)
    )
    moved = dashboard("alpha", city="Wilson", phone="(252) 555-0199")
    result = store.apply_sync(
        "run-2",
        [listing("alpha", name="Alpha  Raceway & Hobbies"), listing("bravo")],
        {"alpha": fetched("alpha", day(1), moved)},
        now=day(1),
    )

    assert result.counts["updated"] == 1
    assert result.counts["unchanged"] == 1
    assert result.updated == ("alpha",)
    (change,) = result.changes
    assert change.kind is ChangeKind.UPDATED
    assert change.name == "Alpha  Raceway & Hobbies"
    assert {c.field: (c.old, c.new) for c in change.fields} == {
        "name": ("Alpha Raceway", "Alpha  Raceway & Hobbies"),
        "city": ("Lucama", "Wilson"),
        "phone": ("(919) 555-0100", "(252) 555-0199"),
    }
    history = store.changes_for_run("run-2")
    assert {(h.slug_key, h.field, h.old_value, h.new_value) for h in history} == {
        ("alpha", "name", "Alpha Raceway", "Alpha  Raceway & Hobbies"),
        ("alpha", "city", "Lucama", "Wilson"),
        ("alpha", "phone", "(919) 555-0100", "(252) 555-0199"),
    }
    assert all(h.kind is ChangeKind.UPDATED and h.run_id == "run-2" for h in history)
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert alpha["city"] == "Wilson"
    assert alpha["updated_at"] == day(1)


def test_moved_counters_and_activity_are_a_refresh_counted_but_not_logged(
    store: CatalogueStore,
) -> None:
    store.apply_sync("run-1", [listing("alpha")], {"alpha": fetched("alpha", day(0))}, now=day(0))
    busier = dashboard("alpha", total_laps=231_000, total_races=1_900, is_live=True)
    result = store.apply_sync(
        "run-2",
        [listing("alpha", activity=Activity.RACING, last_updated_text="1 minute ago")],
        {"alpha": fetched("alpha", day(1), busier)},
        now=day(1),
    )

    assert result.counts["refreshed"] == 1
    assert result.refreshed == 1
    assert result.changes == ()
    assert result.refreshed_fields == {
        "activity": 1,
        "last_updated_text": 1,
        "total_laps": 1,
        "total_races": 1,
        "is_live": 1,
    }
    assert store.changes_for_run("run-2") == []
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert (alpha["total_laps"], alpha["activity"], alpha["is_live"]) == (231_000, "racing", True)


def test_a_second_identical_sync_reports_zero_changes_and_adds_no_history(
    store: CatalogueStore,
) -> None:
    items = listings("alpha", "bravo", "charlie")
    boards = {
        "alpha": fetched("alpha", day(0)),
        "bravo": not_fetched("bravo", day(0), FetchOutcome.FAILED),
    }
    geocodes = {"alpha": geocode()}
    store.apply_sync("run-1", items, boards, geocodes, now=day(0))
    history_before = len(store.history_for_track("alpha"))

    again = store.apply_sync("run-2", items, boards, geocodes, now=day(0).replace(hour=7))

    assert again.counts["unchanged"] == 3
    assert again.changed == 0 and again.refreshed == 0
    assert again.rows_written == 0 and again.history_rows == 0
    assert store.changes_for_run("run-2") == []
    assert len(store.history_for_track("alpha")) == history_before
    alpha = store.get_track("alpha")
    assert alpha is not None
    assert alpha["last_seen_at"] == day(0).replace(hour=7)
    assert alpha["updated_at"] == day(0)


def test_a_track_missing_from_the_list_is_deactivated_and_keeps_its_last_seen_at(
    store: CatalogueStore,
) -> None:
    store.apply_sync("run-1", listings("alpha", "bravo", "charlie", "delta", "echo"), now=day(0))

    result = store.apply_sync("run-2", listings("alpha", "bravo", "charlie", "delta"), now=day(1))

    assert result.deactivated == ("echo",)
    assert result.counts["deactivated"] == 1
    echo = store.get_track("echo")
    assert echo is not None
    assert echo["is_active"] is False
    assert echo["deactivated_at"] == day(1)
    assert echo["last_seen_at"] == day(0)
    assert echo["name"] == "Echo Raceway"
    assert store.track_count(active_only=True) == 4
    assert store.track_count(active_only=False) == 5
    (entry,) = store.changes_for_run("run-2")
    assert (entry.field, entry.old_value, entry.new_value, entry.kind) == (
        "is_active",
        True,
        False,
        ChangeKind.DEACTIVATED,
    )
    again = store.apply_sync("run-3", listings("alpha", "bravo", "charlie", "delta"), now=day(2))
    assert again.deactivated == ()


def test_a_track_that_comes_back_is_reactivated_with_its_changes(store: CatalogueStore) -> None:
    everyone = listings("alpha", "bravo", "charlie", "delta", "echo")
    store.apply_sync("run-1", everyone, now=day(0))
    store.apply_sync("run-2", everyone[:4], now=day(1))

    back = [*everyone[:4], listing("echo", name="Echo Raceway II")]
    result = store.apply_sync("run-3", back, now=day(2))

    assert result.reactivated == ("echo",)
    assert result.counts["reactivated"] == 1
    (change,) = result.changes
    assert change.fields == (
        FieldChange("is_active", False, True),
        FieldChange("name", "Echo Raceway", "Echo Raceway II"),
    )
    echo = store.get_track("echo")
    assert echo is not None
    assert echo["is_active"] is True
    assert echo["deactivated_at"] is None
    assert echo["last_seen_at"] == day(2)
    assert echo["first_seen_at"] == day(0)
    kinds = {entry.kind for entry in store.changes_for_run("run-3")}
    assert kinds == {ChangeKind.REACTIVATED}


def test_slugs_differing_only_in_case_are_one_track(store: CatalogueStore) -> None:
    url = "https://FastandFunToyandHobby.liverc.com/"
    store.apply_sync("run-1", [listing("FastandFunToyandHobby", track_url=url)], now=day(0))

    result = store.apply_sync(
        "run-2",
        [
            listing("fastandfuntoyandhobby", track_url=url),
            listing("FASTANDFUNTOYANDHOBBY", name="Duplicate"),
        ],
        now=day(1),
    )

    assert result.duplicate_slugs == ("FASTANDFUNTOYANDHOBBY",)
    assert store.track_count(active_only=False) == 1
    (change,) = result.changes
    assert change.fields == (FieldChange("slug", "FastandFunToyandHobby", "fastandfuntoyandhobby"),)
    track = store.get_track("FastAndFunToyAndHobby")
    assert track is not None
    assert track["slug_key"] == "fastandfuntoyandhobby"


@pytest.mark.parametrize(
    "name",
    [
        "'); DROP TABLE tracks;--",
        'The "Pit" Stop, Inc.',
        "Robert'); DELETE FROM track_changes WHERE ('1'='1",
        "賽車場  Speedway 레이싱 Pista de Carreras",
        "Back\\slash %s %(name)s :name ? $1",
    ],
)
def test_names_with_quotes_unicode_and_sql_text_round_trip_unchanged(
    store: CatalogueStore, name: str
) -> None:
    board = dashboard("alpha", name=name, description=name + "\nline two", city=name)
    store.apply_sync(
        "run-1",
        [listing("alpha", name=name, latest_event_name=name)],
        {"alpha": fetched("alpha", day(0), board)},
        now=day(0),
    )
    store.apply_sync("run-2", [listing("alpha", name=name + "!")], now=day(1))

    alpha = store.get_track("alpha")
    assert alpha is not None
    assert alpha["name"] == name + "!"
    assert alpha["dashboard_name"] == name
    assert alpha["city"] == name
    assert alpha["description"] == name + "\nline two"
    (entry,) = [h for h in store.changes_for_run("run-2") if h.field == "name"]
    assert (entry.old_value, entry.new_value) == (name, name + "!")
    assert store.track_count() == 1


def test_operator_columns_survive_a_sync(store: CatalogueStore) -> None:
    store.apply_sync("run-1", listings("alpha", "bravo"), now=day(0))
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(tracks)
            .where(tracks.c.slug_key == "alpha")
            .values(operator_notes="Closed for winter", operator_hidden=True)
        )

    store.apply_sync(
        "run-2",
        [listing("alpha", name="Alpha Renamed"), listing("bravo")],
        {"alpha": fetched("alpha", day(1))},
        now=day(1),
    )
    store.apply_sync("run-3", [listing("bravo")], now=day(2), guard=PERMISSIVE)

    alpha = store.get_track("alpha")
    assert alpha is not None
    assert (alpha["operator_notes"], alpha["operator_hidden"]) == ("Closed for winter", True)
    assert alpha["name"] == "Alpha Renamed"


def test_dashboards_and_geocodes_for_slugs_the_catalogue_never_held_are_not_applied(
    store: CatalogueStore,
) -> None:
    result = store.apply_sync(
        "run-1",
        [listing("alpha")],
        {"zulu": fetched("zulu", day(0))},
        {"zulu": geocode()},
        now=day(0),
    )

    assert result.ignored_dashboards == ("zulu",)
    assert store.get_track("zulu") is None


def test_the_sync_result_is_json_serializable(store: CatalogueStore) -> None:
    store.apply_sync("run-1", listings("alpha", "bravo"), now=day(0))
    result = store.apply_sync(
        "run-2", [listing("alpha", name="New name")], now=day(1), guard=PERMISSIVE
    )

    data = json.loads(json.dumps(result.to_dict()))

    assert data["counts"]["updated"] == 1
    assert data["deactivated"] == ["bravo"]
    assert data["guard"]["share"] == 0.5
    renamed = next(change for change in data["changes"] if change["slug"] == "alpha")
    assert renamed["fields"] == [{"field": "name", "old": "Alpha Raceway", "new": "New name"}]
    assert set(data["durations"]) >= {"load", "detect", "write", "total"}


def test_malformed_input_is_refused_before_anything_is_written(store: CatalogueStore) -> None:
    broken = replace(fetched("alpha", day(0)), dashboard=None)

    with pytest.raises(ValueError, match="OK but carries no dashboard"):
        store.apply_sync("run-1", [listing("alpha")], {"alpha": broken}, now=day(0))

    assert store.track_count(active_only=False) == 0
    assert store.get_run("run-1") is None
