"""The committed Dagster instance configurations load and run a sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance

from track_sync_assets.operator.runner import run_sync_chain
from track_sync_assets.simulator import Simulator
from track_sync_tests.conftest import PROJECT_ROOT, fresh_postgres_database
from track_sync_tests.dagster.conftest import deployment_defs


def instance_from(config: Path, home: Path) -> DagsterInstance:
    home.mkdir()
    shutil.copy(config, home / "dagster.yaml")
    return DagsterInstance.from_config(str(home))


def assert_dead_runs_are_retried_and_detected(instance: DagsterInstance) -> None:
    assert instance.run_retries_enabled
    assert not instance.run_retries_retry_on_asset_or_op_failure
    assert instance.run_monitoring_enabled


def test_the_embedded_default_instance_queues_runs_and_watches_run_workers(
    tmp_path: Path,
) -> None:
    with instance_from(PROJECT_ROOT / "dagster_home" / "dagster.yaml", tmp_path / "h") as instance:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
        assert_dead_runs_are_retried_and_detected(instance)


@pytest.mark.postgres
def test_the_postgres_instance_stores_dagster_runs_in_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simulator: Simulator
) -> None:
    config = PROJECT_ROOT / "dagster_home" / "postgres" / "dagster.yaml"
    with fresh_postgres_database() as dagster_url, fresh_postgres_database() as catalogue_url:
        monkeypatch.setenv("DAGSTER_POSTGRES_URL", dagster_url)
        defs = deployment_defs(simulator, catalogue_url, tmp_path / "reports")
        with instance_from(config, tmp_path / "home") as instance:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert_dead_runs_are_retried_and_detected(instance)
            outcome = run_sync_chain(defs, instance, echo=lambda line: None)
            assert outcome.succeeded, outcome.lines
        engine = sa.create_engine(dagster_url)
        with engine.connect() as conn:
            runs = conn.execute(sa.text("select count(*) from runs")).scalar_one()
        engine.dispose()
        assert runs == 3, "the track list, dashboards and catalogue runs"
