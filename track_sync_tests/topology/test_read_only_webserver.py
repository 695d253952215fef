"""A viewer's webserver (``dagster-webserver --read-only``) shows everything and launches
nothing: the GraphQL API refuses runs and backfills, as the UI's greyed-out buttons say."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from track_sync_tests.conftest import PROJECT_ROOT
from track_sync_tests.topology.conftest import (
    LOCATION,
    REPOSITORY,
    base_environ,
    running_services,
    start_webserver,
    write_module_workspace,
)

QUERY = """
{
  assetNodes { assetKey { path } }
  runsOrError { ... on Runs { results { runId } } }
  partitionBackfillsOrError { ... on PartitionBackfills { results { id } } }
  permissions { permission value }
}
"""

LAUNCH_RUN = """
mutation ($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on UnauthorizedError { message }
    ... on LaunchRunSuccess { run { runId } }
  }
}
"""

LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on UnauthorizedError { message }
    ... on LaunchBackfillSuccess { backfillId }
  }
}
"""


@pytest.mark.slow
def test_read_only_webserver_answers_queries_and_refuses_launches(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home)
    workspace = write_module_workspace(tmp_path / "workspace.yaml")
    env = base_environ(DAGSTER_HOME=str(home))
    with running_services(tmp_path / "logs") as services:
        api = start_webserver(services, workspace, env, "--read-only")

        data = api.data(QUERY)
        assets = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
        assert {"liverc_track_list", "track_dashboards", "tracks"} <= assets
        permissions = {p["permission"]: p["value"] for p in data["permissions"]}
        assert permissions["launch_pipeline_execution"] is False
        assert permissions["launch_partition_backfill"] is False

        job = {
            "repositoryLocationName": LOCATION,
            "repositoryName": REPOSITORY,
            "jobName": "track_list_job",
        }
        launched = api.data(LAUNCH_RUN, {"params": {"selector": job}})["launchRun"]
        assert launched["__typename"] == "UnauthorizedError", launched

        backfill = {"assetSelection": [{"path": ["track_dashboards"]}], "allPartitions": True}
        launched = api.data(LAUNCH_BACKFILL, {"params": backfill})["launchPartitionBackfill"]
        assert launched["__typename"] == "UnauthorizedError", launched

        after = api.data(QUERY)
        assert after["runsOrError"]["results"] == []
        assert after["partitionBackfillsOrError"]["results"] == []
