"""A real Dagster instance, a real catalogue database and the LiveRC simulator.

``deployment`` runs each test twice: everything on SQLite (the embedded default), then
everything on PostgreSQL (Dagster's storage through dagster-postgres and the catalogue,
each in its own fresh database).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dagster import DagsterInstance, Definitions, instance_for_test

from track_sync_assets.definitions import build_defs
from track_sync_assets.simulator import Simulator, SimulatorConfig, serve_in_thread
from track_sync_assets.store import CatalogueStore
from track_sync_tests.conftest import fresh_postgres_database

TRACKS = 120
SEED = 7


@dataclass
class Deployment:
    """Where one test's sync runs and what it reads."""

    instance: DagsterInstance
    catalogue_url: str
    reports_dir: Path
    simulator: Simulator
    defs: Definitions

    def store(self) -> CatalogueStore:
        store = CatalogueStore(self.catalogue_url)
        store.migrate()
        return store


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with serve_in_thread(SimulatorConfig(tracks=TRACKS, day=1, seed=SEED)) as sim:
        yield sim


def resource_fields(sim: Simulator, catalogue_url: str, reports: Path) -> dict[str, dict]:
    """The resources of a test deployment: the simulator, a fresh catalogue, quick retries
    (the simulator is local: no need for LiveRC's polite pace)."""
    return {
        "catalogue": {"database_url": catalogue_url},
        "liverc": {
            "list_url": sim.list_url,
            "track_url_template": sim.track_url_template,
            "max_rps": 1000.0,
            "min_rps": 200.0,
            "backoff_base_s": 0.01,
            "backoff_cap_s": 0.05,
            "max_attempts": 3,
            "read_timeout_s": 3.0,
        },
        "geocoder": {"kind": "offline"},
        "reports": {"folder": str(reports)},
        "sync_policy": {"lease_wait_s": 30.0, "progress_interval_s": 1.0},
        "exports": {"folder": str(reports.parent / "exports")},
    }


def deployment_defs(sim: Simulator, catalogue_url: str, reports: Path) -> Definitions:
    """The project's definitions bound to a test deployment (no environment read)."""
    return build_defs({}, **resource_fields(sim, catalogue_url, reports))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def deployment(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    simulator: Simulator,
) -> Iterator[Deployment]:
    reports = tmp_path / "reports"
    if request.param == "sqlite":
        catalogue_url = f"sqlite:///{tmp_path / 'catalogue.db'}"
        (tmp_path / "dagster").mkdir()
        with instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
            yield Deployment(
                instance,
                catalogue_url,
                reports,
                simulator,
                deployment_defs(simulator, catalogue_url, reports),
            )
        return
    with fresh_postgres_database() as dagster_url, fresh_postgres_database() as catalogue_url:
        overrides = {"storage": {"postgres": {"postgres_url": dagster_url}}}
        with instance_for_test(overrides=overrides) as instance:
            yield Deployment(
                instance,
                catalogue_url,
                reports,
                simulator,
                deployment_defs(simulator, catalogue_url, reports),
            )


@pytest.fixture
def sqlite_deployment(tmp_path: Path, simulator: Simulator) -> Iterator[Deployment]:
    """The embedded default only (for tests whose logic does not depend on the backend)."""
    catalogue_url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    reports = tmp_path / "reports"
    (tmp_path / "dagster").mkdir()
    with instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        yield Deployment(
            instance,
            catalogue_url,
            reports,
            simulator,
            deployment_defs(simulator, catalogue_url, reports),
        )
