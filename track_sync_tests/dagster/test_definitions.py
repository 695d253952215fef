"""What the code location defines, as a snapshot, and how it is allowed to use Dagster."""

from __future__ import annotations

import re
from pathlib import Path

from dagster import AssetKey, Definitions

from track_sync_assets.definitions import build_defs, build_resources
from track_sync_assets.defs import dagster_internals
from track_sync_tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "track_sync_assets"

SNAPSHOT = {
    "assets": [
        "liverc_track_list",
        "track_catalogue_exports",
        "track_dashboards",
        "track_geocodes",
        "track_sync_report",
        "tracks",
    ],
    "checks": [
        "liverc_track_list:track_list_passes_sanity_guard",
        "track_dashboards:dashboard_failure_share",
        "tracks:freshness_check",
        "tracks:tracks_completeness",
        "tracks:tracks_coordinates_valid",
        "tracks:tracks_emails_valid",
    ],
    "jobs": ["catalogue_job", "dashboards_job", "track_list_job"],
    "schedules": ["daily_track_sync"],
    "sensors": [
        "catalogue_after_fetching",
        "close_dead_runs",
        "dashboards_after_track_list",
        "retry_failed_tracks",
        "track_sync_failure_alerts",
        "track_sync_freshness_alerts",
        "track_sync_success_alerts",
        "tracks_freshness_sensor",
    ],
    "resources": ["alerts", "catalogue", "exports", "geocoder", "liverc", "reports", "sync_policy"],
}


def snapshot(defs: Definitions) -> dict[str, list[str]]:
    graph = defs.resolve_asset_graph()
    return {
        "assets": sorted(k.to_user_string() for k in graph.get_all_asset_keys()),
        "checks": sorted(
            f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys
        ),
        "jobs": sorted({job.name for job in defs.jobs or []}),
        "schedules": sorted(s.name for s in defs.schedules or []),
        "sensors": sorted(s.name for s in defs.sensors or []),
        "resources": sorted(defs.resources or {}),
    }


def test_the_code_location_defines_exactly_these_assets_checks_jobs_and_automation() -> None:
    defs = build_defs({})
    Definitions.validate_loadable(defs)
    assert snapshot(defs) == SNAPSHOT


def test_track_dashboards_is_partitioned_per_track_and_fetched_in_one_run_per_range() -> None:
    graph = build_defs({}).resolve_asset_graph()
    node = graph.get(AssetKey("track_dashboards"))
    assert node.partitions_def is not None and node.partitions_def.name == "liverc_tracks"
    assert node.backfill_policy is not None and node.backfill_policy.max_partitions_per_run is None


def test_every_sync_job_runs_its_steps_in_one_process() -> None:
    defs = build_defs({})
    for name in SNAPSHOT["jobs"]:
        assert defs.resolve_job_def(name).executor_def.name == "in_process"


def test_the_environment_sets_resource_fields_and_secrets_stay_env_vars() -> None:
    resources = build_resources(
        {
            "TRACK_SYNC_DATABASE_URL": "postgresql://u:secret@db/catalogue",
            "TRACK_SYNC_MAX_RPS": "1.5",
            "TRACK_SYNC_GUARD_MIN_SHARE": "0.9",
            "TRACK_SYNC_RETRY_DELAYS_MINUTES": "10, 60",
            "TRACK_SYNC_SCRAPE_ENABLED": "off",
        }
    )
    assert "secret" not in repr(resources["catalogue"]), "shown by variable name only"
    assert resources["liverc"].max_rps == 1.5
    assert resources["liverc"].scrape_enabled is False
    assert resources["catalogue"].guard_min_share == 0.9
    assert resources["sync_policy"].retry_delays_minutes == [10, 60]


def test_a_bad_environment_value_names_its_variable() -> None:
    for variable, value in (
        ("TRACK_SYNC_MAX_RPS", "fast"),
        ("TRACK_SYNC_GUARD_MIN_SHARE", "2"),
        ("TRACK_SYNC_RETRY_DELAYS_MINUTES", "10,soon"),
    ):
        try:
            build_resources({variable: value})
        except ValueError as exc:
            assert variable in str(exc)
        else:
            raise AssertionError(f"{variable}={value!r} was accepted")


PRIVATE_IMPORT = re.compile(r"^\s*(from|import)\s+dagster(_\w+)?\._", re.M)


def test_only_the_internals_module_imports_private_dagster_apis() -> None:
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in PACKAGE.rglob("*.py")
        if path != Path(dagster_internals.__file__) and PRIVATE_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_the_private_apis_we_rely_on_still_exist_and_behave() -> None:
    tags = dagster_internals.range_tags("a", "b")
    assert tags == {
        "dagster/asset_partition_range_start": "a",
        "dagster/asset_partition_range_end": "b",
    }
    assert dagster_internals.BACKFILL_ID_TAG == "dagster/backfill"
    from dagster import instance_for_test

    with instance_for_test() as instance:
        assert dagster_internals.active_backfills(instance) == []
        assert dagster_internals.backfill_state(instance, "nope") is None
        dagster_internals.free_pool_slots(instance, "no-such-run")


ENV_READ = re.compile(r"os\.environ|os\.getenv|getenv\(|env_number\(")


def test_the_layers_below_the_dagster_layer_read_no_environment() -> None:
    allowed = {
        "defs",
        "environment",
        "cli",
        "operator",
        "simulator",
        "definitions.py",
        "envvars.py",
    }
    offenders = [
        str(path.relative_to(PROJECT_ROOT))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in allowed and ENV_READ.search(path.read_text())
    ]
    assert offenders == []
