"""Each asset on its own: called directly with ``build_asset_context``, real resources, a
temporary SQLite catalogue and the simulator (no run, no job)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import (
    AssetMaterialization,
    AssetObservation,
    DagsterInstance,
    Failure,
    PartitionKeyRange,
    build_asset_context,
    instance_for_test,
)

from track_sync_assets.defs.assets import (
    liverc_track_list,
    track_dashboards,
    track_geocodes,
    track_sync_report,
    tracks,
)
from track_sync_assets.defs.assets.dashboards import DashboardsConfig
from track_sync_assets.defs.partitions import TRACK_PARTITIONS
from track_sync_assets.domain import DashboardFetch, FetchOutcome, Validators
from track_sync_assets.simulator import FaultSpec, Simulator
from track_sync_tests.dagster.conftest import deployment_defs

ADDRESS = ("street_address", "city", "state", "postal_code", "country", "country_code")


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[DagsterInstance]:
    (tmp_path / "dagster").mkdir()
    with instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        yield instance


@pytest.fixture
def resources(tmp_path: Path, simulator: Simulator) -> dict:
    defs = deployment_defs(simulator, f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "reports")
    return dict(defs.resources)


def value(entry):
    """A metadata entry's value (direct calls keep raw values, runs wrap them)."""
    return getattr(entry, "value", entry)


def call(asset, instance: DagsterInstance, resources: dict, keys=None, **kwargs):
    """Call an asset directly; returns its result and the events it logged."""
    names = set(asset.required_resource_keys)
    given = {k: v for k, v in resources.items() if k in names}
    partitions = {"partition_key_range": PartitionKeyRange(keys[0], keys[-1])} if keys else {}
    with build_asset_context(resources=given, instance=instance, **partitions) as context:
        result = asset(context, **kwargs)
        if hasattr(result, "__next__"):
            result = list(result)
        return result, list(context.op_execution_context.get_events())


def test_the_track_list_asset_stores_the_list_and_registers_a_partition_per_track(
    instance: DagsterInstance, resources: dict, simulator: Simulator
) -> None:
    result, _ = call(liverc_track_list, instance, resources)
    listed = {t.listing().slug_key for t in simulator.catalogue}
    assert value(result.metadata["listed"]) == len(listed)
    assert value(result.metadata["accepted"]) is True
    assert set(instance.get_dynamic_partitions(TRACK_PARTITIONS.name)) == listed


def test_the_dashboards_asset_records_each_fetch_and_observes_each_failure(
    instance: DagsterInstance, resources: dict, simulator: Simulator
) -> None:
    call(liverc_track_list, instance, resources)
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    simulator.set_faults(FaultSpec.parse(f"broken={keys[1]}"))
    with pytest.raises(Failure, match=keys[1]):
        call(track_dashboards, instance, resources, keys[:5], config=DashboardsConfig())
    simulator.set_faults(FaultSpec())
    _, events = call(track_dashboards, instance, resources, keys[:5], config=DashboardsConfig())
    materialized = [e for e in events if isinstance(e, AssetMaterialization)]
    assert sorted(e.partition for e in materialized) == sorted(keys[:5])
    assert all(value(e.metadata["fetched"]) is True for e in materialized)
    summary = [e for e in events if isinstance(e, AssetObservation) and e.partition is None]
    assert summary and summary[0].metadata["targeted"].value == 5


def test_geocodes_tracks_and_report_build_the_catalogue_from_stored_dashboards(
    instance: DagsterInstance, resources: dict, tmp_path: Path
) -> None:
    call(liverc_track_list, instance, resources)
    keys = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    call(track_dashboards, instance, resources, keys, config=DashboardsConfig())

    geocoded, _ = call(track_geocodes, instance, resources)
    assert value(geocoded.metadata["addresses"]) == len(keys)
    catalogue, _ = call(tracks, instance, resources)
    assert value(catalogue.metadata["added"]) == len(keys)
    assert value(catalogue.metadata["active_tracks"]) == len(keys)
    report, _ = call(track_sync_report, instance, resources)
    path = Path(value(report.metadata["path"]))
    assert (
        path.parent == tmp_path / "reports" and f"## New tracks ({len(keys)})" in path.read_text()
    )


def test_a_departed_tracks_fetched_dashboard_reaches_its_inactive_row_and_the_report(
    instance: DagsterInstance, resources: dict, simulator: Simulator
) -> None:
    call(liverc_track_list, instance, resources)
    day1 = instance.get_dynamic_partitions(TRACK_PARTITIONS.name)
    call(track_dashboards, instance, resources, day1, config=DashboardsConfig())
    call(track_geocodes, instance, resources)
    call(tracks, instance, resources)

    simulator.set_day(12)
    still_listed = sorted({t.listing().slug_key for t in simulator.catalogue} & set(day1))
    departed = sorted(set(day1) - set(still_listed))
    assert departed, "the simulated day must have a departure"
    call(liverc_track_list, instance, resources)
    # A departed track moved to a listed track's address; its rolling fetch brings that.
    key, neighbour = departed[0], still_listed[0]
    with resources["catalogue"].open() as store:
        states = store.dashboard_states([key, neighbour])
        old, there = states[key].dashboard, states[neighbour].dashboard
        assert old is not None and there is not None and old.city != there.city
        new_address = {name: getattr(there, name) for name in ADDRESS}
        fetch = DashboardFetch(
            slug=states[key].slug,
            url=simulator.track_url(states[key].slug),
            outcome=FetchOutcome.OK,
            fetched_at=datetime.now(UTC),
            validators=Validators(content_hash="moved"),
            dashboard=replace(old, **new_address),
            status_code=200,
        )
        store.record_dashboard_fetches("departed-fetch", [fetch])

    geocoded, _ = call(track_geocodes, instance, resources)
    assert value(geocoded.metadata["addresses"]) == len(day1), "departed tracks included"
    catalogue, _ = call(tracks, instance, resources)
    assert value(catalogue.metadata["deactivated"]) == len(departed)
    assert value(catalogue.metadata["departed_updated"]) == 1
    changes = value(catalogue.metadata["changes"])
    assert {"slug": states[key].slug, "kind": "updated", "departed": True} in [
        {k: c[k] for k in ("slug", "kind", "departed")} for c in changes
    ]
    with resources["catalogue"].open() as store:
        row, reference = store.get_track(key), store.get_track(neighbour)
    assert row is not None and reference is not None
    assert row["is_active"] is False
    assert {name: row[name] for name in ADDRESS} == new_address
    assert (row["latitude"], row["longitude"]) == (reference["latitude"], reference["longitude"])
    report, _ = call(track_sync_report, instance, resources)
    assert f"| {key} (departed) |" in Path(value(report.metadata["path"])).read_text()
