"""Real processes of a deployment: started by PID in their own session, logged to files,
stopped by process group, and proven gone.

A ``Services`` block starts ``dagster api grpc``, ``dagster-webserver``, ``dagster-daemon``
or ``track-sync`` as separate processes, each with an environment built from nothing but
the variables the test names (nothing inherited from the developer's shell), and stops
every one of them when the block ends, whatever happened.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from track_sync_tests.conftest import PROJECT_ROOT

BIN = Path(sys.executable).parent
INHERITED_PREFIXES = ("TRACK_SYNC_", "LIVERC_", "DAGSTER_", "NOMINATIM_")
KEPT_FROM_OUTSIDE = {"TRACK_SYNC_GAZETTEER_CACHE_DIR"}
LOCATION = "track_sync"
REPOSITORY = "__repository__"

T = TypeVar("T")


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def base_environ(**variables: str) -> dict[str, str]:
    """This process's environment without any track-sync, LiveRC or Dagster setting, plus
    ``variables``: each process gets exactly the configuration the test gives it."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(INHERITED_PREFIXES) or name in KEPT_FROM_OUTSIDE
    }
    env.update(variables)
    return env


def write_grpc_workspace(path: Path, port: int) -> Path:
    """A workspace that reaches the code location over gRPC (as production does)."""
    entry = {"grpc_server": {"host": "127.0.0.1", "port": port, "location_name": LOCATION}}
    path.write_text(yaml.safe_dump({"load_from": [entry]}), encoding="utf-8")
    return path


def write_module_workspace(path: Path) -> Path:
    """A workspace that loads the code location from the project's module."""
    entry = {
        "python_module": {
            "module_name": "track_sync_assets.definitions",
            "location_name": LOCATION,
            "working_directory": str(PROJECT_ROOT),
        }
    }
    path.write_text(yaml.safe_dump({"load_from": [entry]}), encoding="utf-8")
    return path


def wait_for(
    probe: Callable[[], T | None],
    timeout_s: float,
    what: str,
    interval_s: float = 1.0,
    alive: Callable[[], None] | None = None,
) -> T:
    """Call ``probe`` until it returns something truthy; fail naming ``what`` on timeout.
    ``alive`` is called first each round to fail fast when a process died."""
    deadline = time.monotonic() + timeout_s
    while True:
        if alive is not None:
            alive()
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


def group_alive(pgid: int) -> bool:
    """Whether any process of the process group still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Service:
    """One started process: the leader of its own session and process group."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} (pid {self.pid}) log tail\n{self.output()[-chars:]}"

    def assert_running(self) -> None:
        assert self.process.poll() is None, (
            f"{self.name} exited with {self.process.returncode}\n{self.tail()}"
        )

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM to the whole group (its run workers and children too), then SIGKILL."""
        if group_alive(self.pid):
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        deadline = time.monotonic() + timeout_s
        while group_alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if group_alive(self.pid):
            os.killpg(self.pid, signal.SIGKILL)
            time.sleep(1)


@dataclass
class Services:
    """The processes a test started, in order."""

    log_dir: Path
    started: list[Service] = field(default_factory=list)

    def start(
        self, name: str, args: list[str], env: Mapping[str, str], cwd: Path = PROJECT_ROOT
    ) -> Service:
        log = self.log_dir / f"{name}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                args,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = Service(name, process, log)
        self.started.append(service)
        return service

    def assert_running(self) -> None:
        for service in self.started:
            service.assert_running()

    def tails(self) -> str:
        return "\n".join(service.tail() for service in self.started)

    def stop_all(self) -> None:
        for service in reversed(self.started):
            service.stop()


@contextmanager
def running_services(log_dir: Path) -> Iterator[Services]:
    """Processes started in the block are stopped at its end, by PID, and proven gone."""
    log_dir.mkdir(parents=True, exist_ok=True)
    services = Services(log_dir)
    try:
        yield services
    finally:
        services.stop_all()
        left = [(s.name, s.pid) for s in services.started if group_alive(s.pid)]
        assert not left, f"processes still running after stop: {left}"
        assert all(s.process.returncode is not None for s in services.started)


def start_webserver(
    services: Services, workspace: Path, env: Mapping[str, str], *extra: str
) -> GraphQL:
    port = free_port()
    service = services.start(
        "webserver",
        [
            str(BIN / "dagster-webserver"),
            "-w",
            str(workspace),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            *extra,
        ],
        env,
    )
    client = GraphQL(f"http://127.0.0.1:{port}/graphql", service)
    client.wait_until_loaded()
    return client


@dataclass
class GraphQL:
    """The webserver's GraphQL API, as the UI and scripts use it."""

    url: str
    service: Service

    def post(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            self.url, json={"query": query, "variables": dict(variables or {})}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def data(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        body = self.post(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    def _location_loaded(self) -> bool:
        try:
            data = self.data(LOCATION_STATUS)
        except (httpx.HTTPError, ValueError):
            return False
        entries = data["workspaceOrError"].get("locationEntries") or []
        for entry in entries:
            loaded = entry["locationOrLoadError"] or {}
            assert loaded.get("__typename") != "PythonError", loaded
            if entry["name"] == LOCATION and loaded.get("__typename") == "RepositoryLocation":
                return True
        return False

    def wait_until_loaded(self, timeout_s: float = 180) -> None:
        wait_for(
            self._location_loaded,
            timeout_s,
            f"the webserver at {self.url} to load code location {LOCATION}",
            alive=self.service.assert_running,
        )


LOCATION_STATUS = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        locationOrLoadError { __typename ... on PythonError { message } }
      }
    }
  }
}
"""
