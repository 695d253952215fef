"""The deployment as production runs it (docs/deployment.md), end to end.

Separate processes on PostgreSQL storage: the code location as a gRPC server (the only
process that gets the track-sync configuration), ``dagster-webserver`` and
``dagster-daemon`` reaching it through a ``grpc_server`` workspace. The schedule fires
within a minute, the daemon launches the run and the sensors chain the sync (list,
dashboards, catalogue with exports and report) against the LiveRC simulator; the test
then reads the runs over the webserver's GraphQL API, the catalogue and the report, and
stops every process by PID.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from dagster import DagsterInstance

from track_sync_assets.simulator import SimulatorConfig, serve_in_thread
from track_sync_tests.conftest import (
    PROJECT_ROOT,
    create_instance_storage,
    fresh_postgres_database,
)
from track_sync_tests.topology.conftest import (
    BIN,
    LOCATION,
    REPOSITORY,
    GraphQL,
    base_environ,
    free_port,
    group_alive,
    running_services,
    start_webserver,
    wait_for,
    write_grpc_workspace,
)

DEPLOY = PROJECT_ROOT / "deploy"
TRACKS = 150
CHAIN_TIMEOUT_S = 240
JOBS = ("track_list_job", "dashboards_job", "catalogue_job")

RUNS = """
{
  runsOrError {
    ... on Runs {
      results { runId jobName status tags { key value } }
    }
  }
}
"""

SCHEDULE = """
query ($selector: ScheduleSelector!) {
  scheduleOrError(scheduleSelector: $selector) {
    __typename
    ... on Schedule { scheduleState { id status } }
  }
}
"""

STOP_SCHEDULE = """
mutation ($id: String) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on PythonError { message }
  }
}
"""


def runs_by_job(api: GraphQL) -> dict[str, list[dict[str, Any]]]:
    """Every run, newest first, grouped by job, with its tags as a dict."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for run in api.data(RUNS)["runsOrError"]["results"]:
        run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
        runs.setdefault(run["jobName"], []).append(run)
    return runs


def stop_schedule(api: GraphQL) -> None:
    """Switch the every-minute schedule off so that it starts one sync only."""
    selector = {
        "repositoryLocationName": LOCATION,
        "repositoryName": REPOSITORY,
        "scheduleName": "daily_track_sync",
    }
    schedule = api.data(SCHEDULE, {"selector": selector})["scheduleOrError"]
    assert schedule["__typename"] == "Schedule", schedule
    result = api.data(STOP_SCHEDULE, {"id": schedule["scheduleState"]["id"]})
    assert result["stopRunningSchedule"]["scheduleState"]["status"] == "STOPPED", result


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def chain_finished(api: GraphQL, services: Any) -> dict[str, list[dict[str, Any]]] | None:
    """All runs when the catalogue run succeeded; fails at once on a failed run."""
    runs = runs_by_job(api)
    failed = [r for group in runs.values() for r in group if r["status"] == "FAILURE"]
    assert not failed, f"runs failed: {failed}\n{services.tails()}"
    done = [r for r in runs.get("catalogue_job", []) if r["status"] == "SUCCESS"]
    return runs if done else None


@pytest.mark.slow
@pytest.mark.postgres
def test_schedule_daemon_webserver_and_code_server_run_a_whole_sync(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "postgres" / "dagster.yaml", home)
    reports, exports = tmp_path / "reports", tmp_path / "exports"
    with (
        fresh_postgres_database() as dagster_url,
        fresh_postgres_database() as catalogue_url,
        serve_in_thread(SimulatorConfig(tracks=TRACKS, day=1, seed=11)) as sim,
        running_services(tmp_path / "logs") as services,
    ):
        # The webserver and the daemon know the instance only; the code server knows
        # LiveRC, the catalogue, the folders and the schedule.
        instance_env = base_environ(DAGSTER_HOME=str(home), DAGSTER_POSTGRES_URL=dagster_url)
        create_instance_storage(home, DAGSTER_POSTGRES_URL=dagster_url)
        code_env = {
            **instance_env,
            "LIVERC_LIST_URL": sim.list_url,
            "LIVERC_TRACK_URL_TEMPLATE": sim.track_url_template,
            "TRACK_SYNC_DATABASE_URL": catalogue_url,
            "TRACK_SYNC_MAX_RPS": "1000",
            "TRACK_SYNC_MIN_RPS": "200",
            "TRACK_SYNC_BACKOFF_BASE_S": "0.01",
            "TRACK_SYNC_READ_TIMEOUT_S": "3",
            "TRACK_SYNC_GEOCODER": "offline",
            "TRACK_SYNC_REPORTS_DIR": str(reports),
            "TRACK_SYNC_EXPORTS_DIR": str(exports),
            "TRACK_SYNC_SCHEDULE_CRON": "* * * * *",
        }
        grpc_port = free_port()
        code_server = services.start(
            "code-server",
            [
                str(BIN / "dagster"),
                "api",
                "grpc",
                "-m",
                "track_sync_assets.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(grpc_port),
            ],
            code_env,
        )
        wait_for(
            lambda: accepts_connections(grpc_port),
            120,
            "the code server to listen",
            alive=code_server.assert_running,
        )
        workspace = write_grpc_workspace(tmp_path / "workspace.yaml", grpc_port)
        daemon = services.start(
            "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], instance_env
        )
        api = start_webserver(services, workspace, instance_env)

        first = wait_for(
            lambda: runs_by_job(api).get("track_list_job"),
            150,
            "the schedule's first run",
            interval_s=2,
            alive=services.assert_running,
        )
        stop_schedule(api)
        runs = wait_for(
            lambda: chain_finished(api, services),
            CHAIN_TIMEOUT_S,
            "the sensors to chain dashboards and catalogue runs",
            interval_s=3,
            alive=services.assert_running,
        )
        listed = {t.listing().slug_key for t in sim.catalogue}

        # The runs, as the webserver shows them: one sync of three runs, all successful
        # (besides them only the freshness check's own runs, by Dagster's freshness sensor).
        others = {job: group for job, group in runs.items() if job not in JOBS}
        assert all(
            run["tags"]["dagster/sensor_name"] == "tracks_freshness_sensor"
            for group in others.values()
            for run in group
        ), others
        assert [len(runs[job]) for job in JOBS] == [1, 1, 1], runs
        list_run = runs["track_list_job"][0]
        assert list_run["runId"] == first[-1]["runId"]
        assert list_run["tags"]["dagster/schedule_name"] == "daily_track_sync"
        assert runs["dashboards_job"][0]["tags"]["dagster/sensor_name"] == (
            "dashboards_after_track_list"
        )
        assert runs["dashboards_job"][0]["tags"]["track_sync/target"] == "plan"
        assert runs["catalogue_job"][0]["tags"]["dagster/sensor_name"] == (
            "catalogue_after_fetching"
        )
        for job in JOBS:
            run = runs[job][0]
            assert run["status"] == "SUCCESS", run
            assert run["tags"]["track_sync/started_by"] == "schedule daily_track_sync", run
            assert run["tags"].get("track_sync/sync_id", run["runId"]) == list_run["runId"]
            # Each run executed in a run worker of its own, none of the three services.
            assert int(run["tags"]["track_sync/pid"]) not in {
                code_server.pid,
                daemon.pid,
                api.service.pid,
            }, run
        assert runs["dashboards_job"][0]["tags"]["track_sync/result"] == "complete"

        # The catalogue, the exports and the report the catalogue run wrote.
        engine = sa.create_engine(catalogue_url)
        try:
            with engine.connect() as conn:
                slugs = list(conn.execute(sa.text("SELECT slug FROM tracks")).scalars())
        finally:
            engine.dispose()
        assert len(slugs) == len(listed) == TRACKS
        assert {slug.lower() for slug in slugs} == listed
        (report,) = reports.glob("track-sync-*.md")
        text = report.read_text(encoding="utf-8")
        assert f"Sync `{list_run['runId']}`: {TRACKS} tracks listed." in text
        assert "Started by `schedule daily_track_sync`" in text
        assert {p.name for p in exports.iterdir()} >= {
            "tracks.geojson",
            "tracks.csv",
            "tracks.parquet",
        }

        # An operator's `track-sync sync` on this instance goes through the daemon's queue
        # to the same code server; its runs say who started them and why.
        sync = services.start(
            "sync", [str(BIN / "track-sync"), "sync", "--reason", "topology test"], code_env
        )
        assert sync.process.wait(timeout=CHAIN_TIMEOUT_S) == 0, sync.tail() + services.tails()
        assert "to the daemon's queue" in sync.output(), sync.tail()
        by_command = [
            run
            for group in runs_by_job(api).values()
            for run in group
            if run["tags"].get("track_sync/started_by", "").startswith("cli:")
        ]
        assert sorted(run["jobName"] for run in by_command) == sorted(JOBS), by_command
        for run in by_command:
            assert run["status"] == "SUCCESS", run
            assert run["tags"]["track_sync/reason"] == "topology test", run
            assert int(run["tags"]["track_sync/pid"]) not in {sync.pid, code_server.pid}, run

        # Every process stops by its PID, with its children (the run workers).
        services.stop_all()
        for service in services.started:
            assert service.process.returncode is not None, service.name
            assert not group_alive(service.pid), service.name


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.postgres
def test_the_container_recipe_runs_the_tested_topology(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy/ (not run here: no Docker daemon) is the topology the test above runs."""
    # The containers' instance works on PostgreSQL, with the tested instance's settings.
    deployed = load_yaml(DEPLOY / "dagster.yaml")
    tested = load_yaml(PROJECT_ROOT / "dagster_home" / "postgres" / "dagster.yaml")
    for section in ("concurrency", "run_retries", "run_monitoring", "telemetry"):
        assert deployed[section] == tested[section], section
    home = tmp_path / "dagster_home"
    home.mkdir()
    deployed["compute_logs"]["config"]["base_dir"] = str(home / "storage")
    (home / "dagster.yaml").write_text(yaml.safe_dump(deployed), encoding="utf-8")
    with fresh_postgres_database() as url:
        parts = sa.engine.make_url(url)
        monkeypatch.setenv("DAGSTER_POSTGRES_USER", parts.username or "")
        monkeypatch.setenv("DAGSTER_POSTGRES_PASSWORD", "unused-by-trust-auth")
        monkeypatch.setenv("DAGSTER_POSTGRES_HOST", parts.host or "")
        monkeypatch.setenv("DAGSTER_POSTGRES_DB", parts.database or "")
        with DagsterInstance.from_config(str(home)) as instance:
            assert instance.get_run_records(limit=1) == []
            assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
            assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"

    # The webserver and the daemon load the code location's gRPC server, from the path
    # the image puts the workspace at.
    compose = load_yaml(DEPLOY / "docker-compose.yaml")
    services = compose["services"]
    (entry,) = load_yaml(DEPLOY / "workspace.yaml")["load_from"]
    grpc = entry["grpc_server"]
    assert grpc["location_name"] == LOCATION
    server = services[grpc["host"]]["command"]
    assert server[:3] == ["dagster", "api", "grpc"]
    assert server[server.index("-p") + 1] == str(grpc["port"])
    assert server[server.index("-m") + 1] == "track_sync_assets.definitions"
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY deploy/workspace.yaml /opt/dagster/workspace.yaml" in dockerfile
    for name in ("webserver", "webserver-readonly", "daemon"):
        command = services[name]["command"]
        assert command[command.index("-w") + 1] == "/opt/dagster/workspace.yaml", name
    assert services["webserver-readonly"]["command"][-1] == "--read-only"

    # The UI has no login: nothing is published beyond the host's loopback.
    published = [port for service in services.values() for port in service.get("ports", [])]
    assert published
    assert all(port.startswith("127.0.0.1:") for port in published), published
