"""Real processes, real databases: an operator's installation the cases break on purpose.

Every case runs the installed ``track-sync`` command in subprocesses (a timeout on each),
with its own ``DAGSTER_HOME`` (a copy of the project's ``dagster.yaml``, or of the
PostgreSQL one with ``DAGSTER_POSTGRES_URL``), its own catalogue and the LiveRC simulator
served in this process. A finished case records one row (case, database, outcome, tracks
lost); the session prints them as a table at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from track_sync_assets.defs.tags import PID_TAG
from track_sync_assets.simulator import (
    FaultSpec,
    RequestRecord,
    Simulator,
    SimulatorConfig,
    serve_in_thread,
)
from track_sync_assets.store import CatalogueStore
from track_sync_tests.conftest import (
    PROJECT_ROOT,
    RELIABILITY_RESULTS_VAR,
    TRACK_SYNC,
    fresh_postgres_database,
    run_track_sync,
)

T = TypeVar("T")

DAGSTER_DAEMON = Path(sys.executable).parent / "dagster-daemon"
TRACKS = 100
SEED = 11
DAY = 3
TIMEOUT_S = 240.0
"""No command may take longer: a hang fails the case instead of the session."""
INHERITED_PREFIXES = ("TRACK_SYNC_", "LIVERC_", "DAGSTER_", "NOMINATIM_")
KEPT_FROM_OUTSIDE = {"TRACK_SYNC_GAZETTEER_CACHE_DIR"}
VOLATILE_SUFFIXES = ("_at",)
"""Columns that differ between two correct syncs: timestamps (and the row id)."""
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: kill -9, broken storage and races on real processes"
    )


# --- The outcome table. ---


@dataclass(frozen=True)
class CaseResult:
    """One row of the table printed at the end of the session."""

    case: str
    database: str
    outcome: str
    tracks_lost: int


def record_result(case: str, database: str, outcome: str, tracks_lost: int) -> None:
    """Add a finished case to the session's table."""
    row = CaseResult(case, database, outcome, tracks_lost)
    with open(os.environ[RELIABILITY_RESULTS_VAR], "a", encoding="utf-8") as results:
        results.write(json.dumps(asdict(row)) + "\n")


# --- One operator's installation. ---


def explain(result: subprocess.CompletedProcess[str]) -> str:
    """The whole story of a command, for assertion messages."""
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def wait_for(what: str, probe: Callable[[], T | None], timeout_s: float, every_s: float = 0.1) -> T:
    """Poll until ``probe`` returns something truthy; fail naming ``what`` after the timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every_s)
    pytest.fail(f"timed out after {timeout_s:g} s waiting for {what}")


def normalized(frame: pd.DataFrame) -> pd.DataFrame:
    """A catalogue without what differs between two correct syncs: timestamps, row ids, and
    whether the latest fetch of an unchanged page was answered ``ok`` or ``not_modified``
    (a track stored before a failure is re-fetched conditionally; same page, same data)."""
    volatile = [c for c in frame.columns if c == "id" or c.endswith(VOLATILE_SUFFIXES)]
    frame = frame.drop(columns=volatile).sort_values("slug_key").reset_index(drop=True)
    frame["dashboard_status"] = frame["dashboard_status"].replace({"not_modified": "ok"})
    return frame


def differing_tracks(expected: pd.DataFrame, actual: pd.DataFrame) -> dict[str, list[str]]:
    """Slug -> the fields where ``actual`` differs from ``expected`` (``["missing"]`` when
    the track is absent); extra tracks in ``actual`` are reported as ``["unexpected"]``."""
    want = expected.set_index("slug_key")
    have = actual.set_index("slug_key")
    diffs: dict[str, list[str]] = {}
    for slug in want.index:
        if slug not in have.index:
            diffs[slug] = ["missing"]
            continue
        fields = [
            column
            for column in want.columns
            if not _same(want.at[slug, column], have.at[slug, column])
        ]
        if fields:
            diffs[slug] = fields
    for slug in have.index.difference(want.index):
        diffs[slug] = ["unexpected"]
    return diffs


def _same(a: Any, b: Any) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    return bool(a == b)


@dataclass
class Site:
    """One installation: its Dagster home, catalogue, environment and simulator."""

    name: str
    root: Path
    database: str
    env: dict[str, str]
    simulator: Simulator
    catalogue_url: str
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def dagster_home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    @property
    def reports(self) -> Path:
        return Path(self.env["TRACK_SYNC_REPORTS_DIR"])

    def run(
        self, *args: str, timeout_s: float = TIMEOUT_S, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``track-sync ARGS`` to its end (failing the case after ``timeout_s``)."""
        return run_track_sync(
            list(args), env={**self.env, **env}, cwd=self.root, timeout_s=timeout_s
        )

    def start(self, *args: str, program: Path = TRACK_SYNC, **env: str) -> subprocess.Popen[str]:
        """Start ``track-sync ARGS`` (or another program) in its own process group; its
        output goes to files so that a killed process never blocks on a pipe."""
        index = len(self.processes)
        out = (self.root / f"process-{index}.out").open("w")
        err = (self.root / f"process-{index}.err").open("w")
        process = subprocess.Popen(
            [str(program), *args],
            env={**self.env, **env},
            cwd=self.root,
            stdout=out,
            stderr=err,
            text=True,
            start_new_session=True,
        )
        out.close()
        err.close()
        self.processes.append(process)
        return process

    def finish(self, process: subprocess.Popen[str], timeout_s: float = TIMEOUT_S) -> Finished:
        """Wait for a started process and read what it printed."""
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            stop_group(process)
            pytest.fail(f"{process.args} did not finish within {timeout_s:g} s")
        index = self.processes.index(process)
        return Finished(
            code,
            (self.root / f"process-{index}.out").read_text(),
            (self.root / f"process-{index}.err").read_text(),
        )

    def finish_all(
        self, processes: list[subprocess.Popen[str]], timeout_s: float = TIMEOUT_S
    ) -> list[tuple[Finished, float]]:
        """Wait for started processes; each one's result and seconds from now to its end."""
        started = time.monotonic()
        ended: dict[int, float] = {}
        while len(ended) < len(processes) and time.monotonic() - started < timeout_s:
            for index, process in enumerate(processes):
                if index not in ended and process.poll() is not None:
                    ended[index] = time.monotonic() - started
            time.sleep(0.1)
        return [
            (self.finish(p, timeout_s=1), ended.get(i, timeout_s)) for i, p in enumerate(processes)
        ]

    @contextmanager
    def store(self) -> Iterator[CatalogueStore]:
        """The catalogue, read as it is (never created or migrated by the test)."""
        store = CatalogueStore(self.catalogue_url, auto_migrate=False)
        try:
            yield store
        finally:
            store.dispose()

    def catalogue(self) -> pd.DataFrame:
        with self.store() as store:
            return normalized(store.tracks_frame())

    @contextmanager
    def instance(self) -> Iterator[DagsterInstance]:
        """This site's Dagster instance, opened from the test process."""
        saved = {k: os.environ.get(k) for k in ("DAGSTER_HOME", "DAGSTER_POSTGRES_URL")}
        os.environ["DAGSTER_HOME"] = str(self.dagster_home)
        if "DAGSTER_POSTGRES_URL" in self.env:
            os.environ["DAGSTER_POSTGRES_URL"] = self.env["DAGSTER_POSTGRES_URL"]
        try:
            with DagsterInstance.from_config(str(self.dagster_home)) as instance:
                yield instance
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def runs(self, job_name: str | None = None) -> list[DagsterRun]:
        """The instance's runs, newest first (optionally of one job)."""
        with self.instance() as instance:
            filters = RunsFilter(job_name=job_name) if job_name else None
            return list(instance.get_runs(filters=filters))

    def running_with_pid(self, job_name: str) -> DagsterRun | None:
        """A started run of ``job_name`` whose first step recorded its process."""
        for run in self.runs(job_name):
            if run.status == DagsterRunStatus.STARTED and PID_TAG in run.tags:
                return run
        return None

    def dashboard_requests(self) -> list[RequestRecord]:
        return [r for r in self.simulator.request_log if r.slug is not None]

    def list_requests(self) -> list[RequestRecord]:
        return [r for r in self.simulator.request_log if r.slug is None and r.path == "/"]


@dataclass(frozen=True)
class Finished:
    """A started process, finished."""

    returncode: int
    stdout: str
    stderr: str

    def explain(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Kill a started process and its children (its own process group), then reap it."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def simulator_config(latency_ms: float = 0.0, faults: str = "", tracks: int = TRACKS) -> Any:
    return SimulatorConfig(
        tracks=tracks,
        day=DAY,
        seed=SEED,
        latency_median_ms=latency_ms,
        faults=FaultSpec.parse(faults),
    )


def base_environment() -> dict[str, str]:
    """The test's environment without any track-sync, LiveRC or Dagster setting."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(INHERITED_PREFIXES) or name in KEPT_FROM_OUTSIDE
    }


class SiteFactory:
    """Builds sites for one test and tears them all down afterwards."""

    def __init__(self, tmp_path: Path, database: str) -> None:
        self.tmp_path = tmp_path
        self.database = database
        self.stack = ExitStack()
        self.sites: list[Site] = []

    def __call__(
        self, name: str = "site", *, latency_ms: float = 0.0, faults: str = "", **env: str
    ) -> Site:
        root = self.tmp_path / name
        home = root / "dagster_home"
        home.mkdir(parents=True)
        (root / "catalogue").mkdir()
        environment = base_environment()
        if self.database == "sqlite":
            shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
            catalogue_url = f"sqlite:///{root / 'catalogue' / 'catalogue.db'}"
        else:
            shutil.copy(
                PROJECT_ROOT / "dagster_home" / "postgres" / "dagster.yaml", home / "dagster.yaml"
            )
            environment["DAGSTER_POSTGRES_URL"] = self.stack.enter_context(
                fresh_postgres_database()
            )
            catalogue_url = self.stack.enter_context(fresh_postgres_database())
        sim = self.stack.enter_context(serve_in_thread(simulator_config(latency_ms, faults)))
        environment.update(
            DAGSTER_HOME=str(home),
            TRACK_SYNC_DATABASE_URL=catalogue_url,
            TRACK_SYNC_REPORTS_DIR=str(root / "reports"),
            TRACK_SYNC_EXPORTS_DIR=str(root / "exports"),
            LIVERC_LIST_URL=sim.list_url,
            LIVERC_TRACK_URL_TEMPLATE=sim.track_url_template,
            TRACK_SYNC_GEOCODER="offline",
            TRACK_SYNC_MAX_RPS="1000",
            TRACK_SYNC_MIN_RPS="200",
            TRACK_SYNC_BACKOFF_BASE_S="0.01",
            TRACK_SYNC_BACKOFF_CAP_S="0.05",
            TRACK_SYNC_MAX_ATTEMPTS="2",
            TRACK_SYNC_READ_TIMEOUT_S="10",
            TRACK_SYNC_LEASE_WAIT_S="60",
            TRACK_SYNC_RETRY_DELAYS_MINUTES="600",
        )
        environment.update(env)
        site = Site(name, root, self.database, environment, sim, catalogue_url)
        self.sites.append(site)
        return site

    def close(self) -> None:
        for site in self.sites:
            for process in site.processes:
                stop_group(process)
        self.stack.close()


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """Each case once on SQLite (the embedded default), once on PostgreSQL."""
    return request.param


@pytest.fixture
def sites(tmp_path: Path, database: str) -> Iterator[SiteFactory]:
    factory = SiteFactory(tmp_path, database)
    try:
        yield factory
    finally:
        factory.close()


_CLEAN: dict[str, pd.DataFrame] = {}


@pytest.fixture
def clean_catalogue(sites: SiteFactory) -> pd.DataFrame:
    """The catalogue of a clean deployment synced once on the same simulator day (built once
    per database for the session)."""
    if sites.database not in _CLEAN:
        reference = sites("reference")
        result = reference.run("sync", "--full")
        assert result.returncode == 0, explain(result)
        frame = reference.catalogue()
        assert len(frame) == TRACKS
        _CLEAN[sites.database] = frame
    return _CLEAN[sites.database]
