"""Smoke test: the Dagster UI's GraphQL API serves the assets, partitions and checks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance

from track_sync_assets.operator.runner import run_sync_chain
from track_sync_tests.conftest import PROJECT_ROOT, stop_process_group
from track_sync_tests.dagster.conftest import Deployment

QUERY = """
{
  assetNodes {
    assetKey { path }
    isPartitioned
    partitionKeysByDimension { partitionKeys }
    assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_webserver_serves_assets_partitions_and_checks(
    tmp_path: Path, sqlite_deployment: Deployment
) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)) as instance:
        outcome = run_sync_chain(sqlite_deployment.defs, instance, echo=lambda line: None)
        assert outcome.succeeded, outcome.lines
    listed = {t.listing().slug_key for t in sqlite_deployment.simulator.catalogue}
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    webserver = Path(sys.executable).parent / "dagster-webserver"
    process = subprocess.Popen(
        [str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + 120
        nodes = None
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            try:
                response = httpx.post(url, json={"query": QUERY}, timeout=10)
                data = response.json().get("data") or {}
                nodes = data.get("assetNodes")
                if nodes:
                    break
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(1)
        assert nodes, "the webserver never served the asset graph"
        by_name = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        assert set(by_name) == {
            "liverc_track_list",
            "track_dashboards",
            "track_geocodes",
            "tracks",
            "track_catalogue_exports",
            "track_sync_report",
        }
        assert by_name["track_dashboards"]["isPartitioned"]
        partitions = by_name["track_dashboards"]["partitionKeysByDimension"][0]["partitionKeys"]
        assert set(partitions) == listed
        checks = {
            c["name"]: c["blocking"]
            for n in nodes
            for c in (n["assetChecksOrError"] or {}).get("checks", [])
        }
        assert checks["track_list_passes_sanity_guard"] is True
        assert {"tracks_coordinates_valid", "tracks_emails_valid"} <= set(checks)
    finally:
        stop_process_group(process, timeout_s=20)
