"""The operator's commands end to end, run as a user runs them: the installed
``track-sync`` script in a subprocess, on its own Dagster home, catalogue and reports
folder (SQLite), against the bundled simulator or nothing at all.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from track_sync_tests.conftest import PROJECT_ROOT, run_track_sync

TRACKS = 40
DAY = 3
TIMEOUT_S = 300
INHERITED_PREFIXES = ("TRACK_SYNC_", "LIVERC_", "DAGSTER_", "NOMINATIM_")
KEPT_FROM_OUTSIDE = {"TRACK_SYNC_GAZETTEER_CACHE_DIR"}


@dataclass
class Site:
    """One operator's installation: where the command keeps its state."""

    root: Path
    env: dict[str, str]

    @property
    def catalogue_url(self) -> str:
        return self.env["TRACK_SYNC_DATABASE_URL"]

    @property
    def reports(self) -> Path:
        return Path(self.env["TRACK_SYNC_REPORTS_DIR"])

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_track_sync(
            list(args), env={**self.env, **env}, cwd=self.root, timeout_s=TIMEOUT_S
        )

    def catalogue_rows(self) -> list[tuple]:
        engine = sa.create_engine(self.catalogue_url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(sa.text("SELECT * FROM tracks ORDER BY 1"))]
        finally:
            engine.dispose()

    def report_files(self) -> list[Path]:
        return sorted(self.reports.glob("track-sync-*.md"))


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def explain(result: subprocess.CompletedProcess[str]) -> str:
    """The whole story of a run, for assertion messages."""
    stderr = result.stderr[-3000:]
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{stderr}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    root = tmp_path_factory.mktemp("operator")
    dagster_home = root / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", dagster_home / "dagster.yaml")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(INHERITED_PREFIXES) or name in KEPT_FROM_OUTSIDE
    }
    env.update(
        DAGSTER_HOME=str(dagster_home),
        TRACK_SYNC_DATABASE_URL=f"sqlite:///{root / 'catalogue.db'}",
        TRACK_SYNC_REPORTS_DIR=str(root / "reports"),
    )
    return Site(root, env)


@pytest.fixture(scope="module")
def first_demo(site: Site) -> subprocess.CompletedProcess[str]:
    """The day's first ``track-sync demo``: builds the catalogue from nothing."""
    return site.run("demo", "--tracks", str(TRACKS), "--day", str(DAY))


@pytest.fixture
def populated(site: Site, first_demo: subprocess.CompletedProcess[str]) -> Site:
    assert first_demo.returncode == 0, explain(first_demo)
    return site


class Recorder(ThreadingHTTPServer):
    """A local web server that answers 503 to everything and remembers what was asked."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.paths: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class RecordingHandler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        self.send_error(503)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_demo_runs_the_five_stages_and_writes_a_report(
    site: Site, first_demo: subprocess.CompletedProcess[str]
) -> None:
    assert first_demo.returncode == 0, explain(first_demo)
    out = first_demo.stdout
    for stage in range(1, 6):
        assert f"[{stage}/5]" in out, explain(first_demo)
    assert "FAILED" not in out
    assert re.search(r"^sync \S+ succeeded$", out, re.M), out
    assert f"[1/5] track list: {TRACKS} tracks" in out
    assert f"[4/5] tracks: {TRACKS} added, 0 updated" in out
    (report_line,) = re.findall(r"^\[5/5\] report: (.+)$", out, re.M)
    report = Path(report_line)
    assert report.parent == site.reports and report in site.report_files()
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Track sync report ")
    assert f"## New tracks ({TRACKS})" in text
    assert len(site.catalogue_rows()) == TRACKS


def test_demo_again_the_same_day_changes_nothing(populated: Site) -> None:
    before = populated.catalogue_rows()
    again = populated.run("demo", "--tracks", str(TRACKS), "--day", str(DAY))
    assert again.returncode == 0, explain(again)
    assert "0 added, 0 updated" in again.stdout, explain(again)
    assert f"{TRACKS} unchanged" in again.stdout
    assert re.search(r"^sync \S+ succeeded$", again.stdout, re.M)
    (report_line,) = re.findall(r"^\[5/5\] report: (.+)$", again.stdout, re.M)
    assert "## New tracks (0)" in Path(report_line).read_text(encoding="utf-8")
    assert len(populated.catalogue_rows()) == len(before) == TRACKS


def test_sync_with_an_unreachable_track_list_fails_and_keeps_the_catalogue(
    populated: Site,
) -> None:
    before, reports_before = populated.catalogue_rows(), populated.report_files()
    port = free_port()
    result = populated.run(
        "sync",
        LIVERC_LIST_URL=f"http://127.0.0.1:{port}/",
        LIVERC_TRACK_URL_TEMPLATE=f"http://127.0.0.1:{port}/{{slug}}/",
        TRACK_SYNC_MAX_ATTEMPTS="1",
        TRACK_SYNC_CONNECT_TIMEOUT_S="1",
        TRACK_SYNC_READ_TIMEOUT_S="1",
        TRACK_SYNC_REQUEST_TIMEOUT_S="2",
    )
    assert result.returncode == 1, explain(result)
    assert re.search(r"^\[1/5\] track list: FAILED: .+", result.stdout, re.M), explain(result)
    assert "[2/5]" not in result.stdout and "succeeded" not in result.stdout
    assert populated.catalogue_rows() == before, "a failed sync must not touch the catalogue"
    assert populated.report_files() == reports_before


def test_sync_with_scraping_switched_off_fetches_nothing_and_fails(
    populated: Site, recorder: Recorder
) -> None:
    before = populated.catalogue_rows()
    url = recorder.url
    result = populated.run(
        "sync",
        TRACK_SYNC_SCRAPE_ENABLED="off",
        LIVERC_LIST_URL=f"{url}/",
        LIVERC_TRACK_URL_TEMPLATE=f"{url}/{{slug}}/",
    )
    assert result.returncode == 1, explain(result)
    assert re.search(r"^\[1/5\] track list: FAILED: .*disabled", result.stdout, re.M), explain(
        result
    )
    assert recorder.paths == [], "the kill switch stops every request, robots.txt included"
    assert populated.catalogue_rows() == before


def test_scraping_off_is_seen_by_every_later_command_until_it_is_switched_on(
    populated: Site, recorder: Recorder
) -> None:
    before = populated.catalogue_rows()
    off = populated.run("scraping", "off", "--reason", "LiveRC asked for a pause")
    assert off.returncode == 0, explain(off)
    assert "scraping is off" in off.stdout and "LiveRC asked for a pause" in off.stdout
    try:
        status = populated.run("scraping", "status")
        assert "scraping is off" in status.stdout and "by cli:" in status.stdout
        result = populated.run(
            "sync",
            LIVERC_LIST_URL=f"{recorder.url}/",
            LIVERC_TRACK_URL_TEMPLATE=f"{recorder.url}/{{slug}}/",
        )
        assert result.returncode == 1, explain(result)
        assert "LiveRC asked for a pause" in result.stdout, explain(result)
        assert recorder.paths == []
        assert populated.catalogue_rows() == before
    finally:
        on = populated.run("scraping", "on")
        assert on.returncode == 0 and "scraping is on" in on.stdout, explain(on)


def test_migrate_creates_a_missing_catalogue_then_finds_it_up_to_date(site: Site) -> None:
    url = f"sqlite:///{site.root / 'migrated.db'}"
    first = site.run("migrate", TRACK_SYNC_DATABASE_URL=url)
    again = site.run("migrate", TRACK_SYNC_DATABASE_URL=url)
    assert first.returncode == 0 and "migrated to the latest schema" in first.stdout, explain(first)
    assert again.returncode == 0 and "up to date" in again.stdout, explain(again)
