"""No secret leaves the environment: a sync configured with a catalogue password, an SMTP
password and a webhook token, then a refused track list whose alert goes out through both
channels, leave none of them in Dagster's storage, in any file under ``DAGSTER_HOME``, the
reports or exports, the catalogue database (``sync_runs`` included), the alerts, or the
console output of any process.
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from dagster import DagsterInstance, RunsFilter
from dagster._core.scheduler.instigation import InstigatorType, TickStatus
from dagster._serdes import serialize_value

from track_sync_assets.defs.alerting import STATE_KEY as ALERT_STATE_KEY
from track_sync_assets.simulator import FaultSpec, SimulatorConfig, serve_in_thread
from track_sync_tests.conftest import (
    PROJECT_ROOT,
    create_instance_storage,
    fresh_postgres_database,
    postgres_admin_url,
)
from track_sync_tests.topology.conftest import (
    BIN,
    base_environ,
    free_port,
    running_services,
    wait_for,
    write_module_workspace,
)

TRACKS = 100
BROKEN = 3
"""Tracks whose dashboards always fail: a partial sync above the warning share alerts."""
SMTP_USER = "alerts"


@dataclass
class Secrets:
    database_password: str
    smtp_password: str
    webhook_token: str

    def named(self) -> dict[str, str]:
        return {
            "database password": self.database_password,
            "SMTP password": self.smtp_password,
            "webhook token": self.webhook_token,
        }

    def found_in(self, text: str) -> list[str]:
        return [name for name, secret in self.named().items() if secret in text]


@dataclass
class Receivers:
    """A webhook endpoint and an SMTP server (with login) on 127.0.0.1, recording all."""

    webhook_url: str
    smtp_port: int
    posts: list[tuple[str, bytes]] = field(default_factory=list)
    mails: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


@contextmanager
def receivers(token: str) -> Iterator[Receivers]:
    recorded = Receivers(webhook_url="", smtp_port=free_port())

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            recorded.posts.append((self.path, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Mailbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            recorded.mails.append(envelope.original_content or envelope.content)
            return "250 OK"

    def login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            recorded.logins.append((data.login.decode(), data.password.decode()))
        return AuthResult(success=isinstance(data, LoginPassword), handled=False)

    http = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    recorded.webhook_url = f"http://127.0.0.1:{http.server_port}/hooks/T0/{token}"
    smtp = Controller(
        Mailbox(),
        hostname="127.0.0.1",
        port=recorded.smtp_port,
        authenticator=login,
        auth_require_tls=False,
    )
    smtp.start()
    try:
        yield recorded
    finally:
        smtp.stop()
        http.shutdown()
        http.server_close()
        thread.join(5)


@contextmanager
def catalogue_with_password(password: str) -> Iterator[str]:
    """A fresh PostgreSQL database owned by a role that logs in with ``password`` (the
    local server trusts anyway), as a URL carrying the password; both dropped afterwards."""
    role = f"ts_secret_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        try:
            with fresh_postgres_database() as url:
                name = sa.engine.make_url(url).database
                with admin.connect() as conn:
                    conn.execute(sa.text(f'ALTER DATABASE "{name}" OWNER TO {role}'))
                yield (
                    sa.engine.make_url(url)
                    .set(username=role, password=password)
                    .render_as_string(hide_password=False)
                )
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))
    finally:
        admin.dispose()


def sensor_has_ticked(home: Path, name: str) -> bool:
    """Whether the daemon finished one evaluation of sensor ``name`` (a run-failure sensor
    sees only runs that finish after its first tick)."""
    with DagsterInstance.from_config(str(home)) as instance:
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
            if state.instigator_name == name:
                ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
                return bool(ticks) and ticks[0].status != TickStatus.STARTED
    return False


def dagster_storage_text(home: Path) -> str:
    """Everything Dagster stored, read through its API: runs (tags, config), every event
    of every run, sensor and schedule states and ticks, the key-value store."""
    parts: list[str] = []
    with DagsterInstance.from_config(str(home)) as instance:
        for record in instance.get_run_records(RunsFilter()):
            parts.append(serialize_value(record.dagster_run))
            for event in instance.all_logs(record.dagster_run.run_id):
                parts.append(serialize_value(event))
        for state in instance.all_instigator_state():
            parts.append(serialize_value(state))
            for tick in instance.get_ticks(state.instigator_origin_id, state.selector_id):
                parts.append(serialize_value(tick))
        state = instance.daemon_cursor_storage.get_cursor_values({ALERT_STATE_KEY})
        assert state, "the alert sensors stored no state"
        parts.append(json.dumps(state))
    return "\n".join(parts)


def catalogue_text(url: str) -> tuple[str, int]:
    """Every row of every table of the catalogue database, and the ``sync_runs`` count."""
    engine = sa.create_engine(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        parts: list[str] = []
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                parts += [repr(tuple(row)) for row in conn.execute(sa.select(table))]
            sync_runs = conn.execute(sa.text("SELECT count(*) FROM sync_runs")).scalar_one()
    finally:
        engine.dispose()
    return "\n".join(parts), sync_runs


def mail_text(raw: bytes) -> str:
    """A mail's headers and every part's decoded body (base64 or quoted-printable)."""
    message = message_from_bytes(raw)
    parts = [str(value) for value in message.values()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)


def alerted(received: Receivers, phrase: str) -> bool:
    """Whether an alert whose title holds ``phrase`` came by webhook and by mail."""
    texts = [json.loads(body)["text"] for _, body in received.posts]
    subjects = [str(message_from_bytes(raw)["Subject"]) for raw in received.mails]
    return any(phrase in t for t in texts) and any(phrase in s for s in subjects)


def files_under(*roots: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
@pytest.mark.postgres
def test_a_sync_with_secrets_and_an_alert_leaves_no_secret_anywhere(tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:10]
    secrets = Secrets(f"S3cr3t-db-{tag}", f"S3cr3t-smtp-{tag}", f"S3cr3t-hook-{tag}")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home)
    create_instance_storage(home)
    reports, exports = tmp_path / "reports", tmp_path / "exports"
    with (
        catalogue_with_password(secrets.database_password) as catalogue_url,
        receivers(secrets.webhook_token) as received,
        serve_in_thread(SimulatorConfig(tracks=TRACKS, day=2, seed=5)) as sim,
        running_services(tmp_path / "logs") as services,
    ):
        broken = [track.slug for track in list(sim.catalogue)[:BROKEN]]
        sim.set_faults(FaultSpec.parse("broken=" + "+".join(broken)))
        env = base_environ(
            DAGSTER_HOME=str(home),
            TRACK_SYNC_DATABASE_URL=catalogue_url,
            TRACK_SYNC_ALERT_WEBHOOK_URL=received.webhook_url,
            TRACK_SYNC_SMTP_HOST="127.0.0.1",
            TRACK_SYNC_SMTP_PORT=str(received.smtp_port),
            TRACK_SYNC_SMTP_USERNAME=SMTP_USER,
            TRACK_SYNC_SMTP_PASSWORD=secrets.smtp_password,
            TRACK_SYNC_ALERT_MAIL_TO="ops@example.org",
            TRACK_SYNC_DASHBOARD_FAILURE_WARN_SHARE="0.01",
            LIVERC_LIST_URL=sim.list_url,
            LIVERC_TRACK_URL_TEMPLATE=sim.track_url_template,
            TRACK_SYNC_MAX_RPS="1000",
            TRACK_SYNC_MIN_RPS="200",
            TRACK_SYNC_BACKOFF_BASE_S="0.01",
            TRACK_SYNC_MAX_ATTEMPTS="2",
            TRACK_SYNC_GEOCODER="offline",
            TRACK_SYNC_REPORTS_DIR=str(reports),
            TRACK_SYNC_EXPORTS_DIR=str(exports),
        )
        # The daemon evaluates the alert sensors (in its code server, with the secrets).
        workspace = write_module_workspace(tmp_path / "workspace.yaml")
        daemon = services.start(
            "daemon", [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)], env
        )
        wait_for(
            lambda: sensor_has_ticked(home, "track_sync_failure_alerts"),
            150,
            "the failure alert sensor's first tick",
            interval_s=2,
            alive=daemon.assert_running,
        )
        # The command hands its runs to the daemon's queue; the failure sensor alerts on the
        # partial sync (3 of 100 tracks failed, above the 1 % warning share).
        sync = services.start(
            "sync", [str(BIN / "track-sync"), "sync", "--reason", "secrets test"], env
        )
        assert sync.process.wait(timeout=300) == 0, sync.tail()
        wait_for(
            lambda: alerted(received, "was partial"),
            120,
            "the partial sync's alert by webhook and mail",
            interval_s=2,
            alive=daemon.assert_running,
        )
        # Then a truncated list, which the guard refuses: a failed run and a failed check.
        sim.set_faults(FaultSpec.parse("list=truncated,list_rows=10"))
        launch = services.start(
            "launch",
            [str(BIN / "dagster"), "job", "launch", "-w", str(workspace), "-j", "track_list_job"],
            env,
        )
        assert launch.process.wait(timeout=120) == 0, launch.tail()
        wait_for(
            lambda: alerted(received, " failed"),
            150,
            "the refused list's alert by webhook and mail",
            interval_s=2,
            alive=daemon.assert_running,
        )
        services.stop_all()

        # The secrets were really used: the webhook URL carried the token, SMTP logged in.
        assert all(path.endswith(f"/{secrets.webhook_token}") for path, _ in received.posts)
        assert received.logins and set(received.logins) == {(SMTP_USER, secrets.smtp_password)}
        catalogue, sync_runs = catalogue_text(catalogue_url)
        assert sync_runs >= 1
        assert list(reports.glob("track-sync-*.md"))
        assert (exports / "tracks.geojson").is_file()

        # ... and appear nowhere.
        leaks: dict[str, list[str]] = {}
        places: dict[str, str] = {
            "Dagster storage (runs, tags, events, ticks, key-value store)": (
                dagster_storage_text(home)
            ),
            "catalogue database (every table, sync_runs included)": catalogue,
            "console output of track-sync sync": sync.output(),
            "console output of dagster job launch": launch.output(),
            "console output of dagster-daemon": daemon.output(),
            "alert payloads (webhook bodies)": "\n".join(
                body.decode("utf-8", "replace") for _, body in received.posts
            ),
            "alert mails (headers and decoded bodies)": "\n".join(
                mail_text(m) for m in received.mails
            ),
        }
        written = files_under(home, reports, exports)
        assert any(path.suffix == ".db" for path in written), sorted(written)
        for path, content in written.items():
            places[f"file {path.relative_to(tmp_path)}"] = content.decode("latin-1")
        for place, text in places.items():
            found = secrets.found_in(text)
            if found:
                leaks[place] = found
        assert not leaks, f"secrets leaked: {json.dumps(leaks, indent=1)}"
