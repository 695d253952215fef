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
from dagster import DagsterInstance, instance_for_test

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

    def store(self) -> CatalogueStore:
        store = CatalogueStore(self.catalogue_url)
        store.migrate()
        return store


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    with serve_in_thread(SimulatorConfig(tracks=TRACKS, day=1, seed=SEED)) as sim:
        yield sim


def point_at(monkeypatch: pytest.MonkeyPatch, sim: Simulator, url: str, reports: Path) -> None:
    env = {
        "LIVERC_LIST_URL": sim.list_url,
        "LIVERC_TRACK_URL_TEMPLATE": sim.track_url_template,
        "TRACK_SYNC_DATABASE_URL": url,
        "TRACK_SYNC_REPORTS_DIR": str(reports),
        # The simulator is local: no need for LiveRC's polite pace, and retries stay quick.
        "TRACK_SYNC_MAX_RPS": "1000",
        "TRACK_SYNC_MIN_RPS": "200",
        "TRACK_SYNC_BACKOFF_BASE_S": "0.01",
        "TRACK_SYNC_BACKOFF_CAP_S": "0.05",
        "TRACK_SYNC_MAX_ATTEMPTS": "3",
        "TRACK_SYNC_READ_TIMEOUT_S": "3",
        "TRACK_SYNC_GEOCODER": "offline",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TRACK_SYNC_SCRAPE_ENABLED", raising=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def deployment(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    simulator: Simulator,
) -> Iterator[Deployment]:
    reports = tmp_path / "reports"
    if request.param == "sqlite":
        catalogue_url = f"sqlite:///{tmp_path / 'catalogue.db'}"
        point_at(monkeypatch, simulator, catalogue_url, reports)
        (tmp_path / "dagster").mkdir()
        with instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
            yield Deployment(instance, catalogue_url, reports, simulator)
        return
    with fresh_postgres_database() as dagster_url, fresh_postgres_database() as catalogue_url:
        point_at(monkeypatch, simulator, catalogue_url, reports)
        overrides = {"storage": {"postgres": {"postgres_url": dagster_url}}}
        with instance_for_test(overrides=overrides) as instance:
            yield Deployment(instance, catalogue_url, reports, simulator)


@pytest.fixture
def sqlite_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, simulator: Simulator
) -> Iterator[Deployment]:
    """The embedded default only (for tests whose logic does not depend on the backend)."""
    catalogue_url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    point_at(monkeypatch, simulator, catalogue_url, tmp_path / "reports")
    (tmp_path / "dagster").mkdir()
    with instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        yield Deployment(instance, catalogue_url, tmp_path / "reports", simulator)
