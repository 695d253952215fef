"""A minimal HTTP/1.1 server (asyncio streams) that plays LiveRC on 127.0.0.1.

Routes: ``/`` the track list, ``/tracks/{slug}/`` a dashboard (slug matched
case-insensitively, like LiveRC's host names), ``/robots.txt``. Like the real LiveRC,
every track is also its own origin, chosen by the ``Host`` header:
``{slug}.liverc.test`` serves the dashboard at ``/`` and its own ``/robots.txt``
(clients connect to 127.0.0.1 while naming that host: see :attr:`Simulator.resolve`).
Connections are kept alive; every request is answered after its latency, possibly
with a fault from the :class:`FaultSpec` or an outage, and recorded in
:attr:`Simulator.request_log` with the host it named.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from track_sync_assets.simulator.catalogue import CatalogueFactory
from track_sync_assets.simulator.config import SimulatorConfig
from track_sync_assets.simulator.faults import Fault, FaultSpec
from track_sync_assets.simulator.pages import DayPages, Page
from track_sync_assets.simulator.tracks import Catalogue

TRACK_PATH = re.compile(r"^/tracks/([A-Za-z0-9]+)/?$")
TRACK_DOMAIN = "liverc.test"
"""Per-track origins: ``{slug}.liverc.test`` (``.test`` never resolves outside)."""
LIST_HOST = f"live.{TRACK_DOMAIN}"
TRACK_HOST = re.compile(r"^([a-z0-9]+)\." + re.escape(TRACK_DOMAIN) + "$")
KEEPALIVE_IDLE_S = 75.0
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
SERVER_NAME = "track-sync-liverc-simulator"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the simulator saw and answered it."""

    time: float
    """``time.monotonic()`` when the request head had been read."""
    end_time: float
    """``time.monotonic()`` when the answer was handed to the socket (or the connection reset)."""
    slug: str | None
    """The track (as published when known), None for the list and robots.txt."""
    path: str
    method: str
    headers: dict[str, str]
    """Request headers, lower-case names."""
    status: int | None
    """None when the connection was reset without an answer."""
    bytes_sent: int
    """Head and body bytes handed to the socket (less than the body for a truncated answer)."""
    fault: str | None
    """The injected fault (``503``, ``reset``, ``truncate``, ``slow``, ``malformed``...)."""
    day: int
    connection_id: int
    host: str = ""
    """The host the request named (``Host`` header, lower case, without the port)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    keep_alive: bool

    @property
    def host(self) -> str:
        value = self.headers.get("host", "").strip().lower()
        if value.startswith("["):
            return value.partition("]")[0] + "]"
        return value.rpartition(":")[0] if ":" in value else value


@dataclass(slots=True)
class _Answer:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    send_limit: int | None = None
    """Send only this many body bytes, then close (a truncated body)."""


@dataclass(slots=True)
class _Route:
    key: str
    """What request numbers are counted by: ``list``, ``robots``, a lower-case slug, a path."""
    attempt: int
    slug: str | None
    fault: Fault | None = None
    page: Page | None = None


class _BadRequest(Exception):
    pass


class Simulator:
    """The LiveRC stand-in: a catalogue for the current day served over HTTP."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self._factory = CatalogueFactory(
            self.config.seed, self.config.tracks, change_rate=self.config.change_rate
        )
        self._faults = self.config.faults
        self._pages = self._day_pages(self.config.day)
        self._attempts: dict[str, int] = {}
        self._log: list[RequestRecord] = []
        self._log_file: IO[str] | None = None
        self._in_flight = 0
        self._max_in_flight = 0
        self._connection_ids = itertools.count(1)
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._date_cache = (0, "")
        self._outage: tuple[int, float] | None = None

    # --- what tests and operators read ---

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the simulator is not serving yet")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def list_url(self) -> str:
        return f"{self.base_url}/"

    @property
    def track_url_template(self) -> str:
        return f"{self.base_url}/tracks/{{slug}}/"

    def track_url(self, slug: str) -> str:
        return self.track_url_template.format(slug=slug)

    @property
    def host_list_url(self) -> str:
        """The list on its own host, ``http://live.liverc.test:PORT/`` (see :attr:`resolve`)."""
        return f"http://{LIST_HOST}:{self.port}/"

    @property
    def host_track_url_template(self) -> str:
        """Every track its own origin, as on LiveRC: ``http://{slug}.liverc.test:PORT/``."""
        return f"http://{{slug}}.{TRACK_DOMAIN}:{self.port}/"

    @property
    def resolve(self) -> tuple[tuple[str, str], ...]:
        """What a client must connect to for the per-track hosts (``ClientSettings.resolve``)."""
        return ((f"*.{TRACK_DOMAIN}", self.config.host),)

    @property
    def day(self) -> int:
        return self._pages.catalogue.day

    @property
    def catalogue(self) -> Catalogue:
        """Ground truth for the current day (listed tracks in list order, all known tracks)."""
        return self._pages.catalogue

    @property
    def faults(self) -> FaultSpec:
        return self._faults

    @property
    def request_log(self) -> list[RequestRecord]:
        """A copy of the requests recorded since the start or the last :meth:`clear_log`."""
        return list(self._log)

    @property
    def max_concurrency_seen(self) -> int:
        """The most requests in flight at once (head read, answer not yet written)."""
        return self._max_in_flight

    def clear_log(self) -> None:
        """Forget the recorded requests and the concurrency high-water mark."""
        self._log = []
        self._max_in_flight = self._in_flight

    def set_day(self, day: int) -> None:
        """Serve another day (deterministic from the seed); per-URL request counts restart."""
        self._pages = self._day_pages(day)
        self._attempts = {}

    def set_faults(self, faults: FaultSpec) -> None:
        """Inject other faults from now on; per-URL request counts restart."""
        self._faults = faults
        self._attempts = {}

    def set_outage(self, status: int, duration_s: float) -> None:
        """Answer every request with ``status`` (a 429 with Retry-After) for ``duration_s``."""
        if not 400 <= status <= 599:
            raise ValueError(f"an outage answers an HTTP error (400-599), not {status}")
        self._outage = (status, time.monotonic() + duration_s)

    def reset_attempts(self) -> None:
        """Restart the per-URL request counts that ``flaky``, ``list=`` and random faults use."""
        self._attempts = {}

    def _day_pages(self, day: int) -> DayPages:
        return DayPages(
            self._factory.day(day), tuple(self.config.robots_disallow), self.config.crawl_delay
        )

    # --- running ---

    async def run(self, stop: asyncio.Event, ready: Callable[[], None] | None = None) -> None:
        """Serve until ``stop`` is set; ``ready`` is called once the port is bound."""
        server = await asyncio.start_server(
            self._serve_connection, self.config.host, self.config.port, backlog=1024
        )
        self._port = server.sockets[0].getsockname()[1]
        if self.config.log_path is not None:
            self._log_file = self.config.log_path.open("a", encoding="utf-8", buffering=1)
        try:
            if ready is not None:
                ready()
            await stop.wait()
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await server.wait_closed()
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None

    def start(self) -> Simulator:
        """Serve from a background thread; returns once the port is bound."""
        if self._thread is not None:
            raise RuntimeError("the simulator is already running")
        ready = threading.Event()
        errors: list[BaseException] = []

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop_event = asyncio.Event()
            await self.run(self._stop_event, ready.set)

        def target() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:  # reported to the starting thread
                errors.append(exc)
                ready.set()

        self._thread = threading.Thread(target=target, name="liverc-simulator", daemon=True)
        self._thread.start()
        ready.wait()
        if errors:
            self._thread = None
            raise errors[0]
        return self

    def stop(self) -> None:
        """Stop a server started with :meth:`start` (connections are dropped)."""
        if self._thread is None:
            return
        if self._loop is not None and self._stop_event is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
        self._thread.join(timeout=30)
        self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- HTTP ---

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        connection_id = next(self._connection_ids)
        try:
            while True:
                try:
                    async with asyncio.timeout(KEEPALIVE_IDLE_S):
                        head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    await self._send_error(writer, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
                    return
                except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
                    return
                started = time.monotonic()
                try:
                    request = _parse_head(head)
                    await _discard_body(reader, request.headers)
                except _BadRequest:
                    await self._send_error(writer, HTTPStatus.BAD_REQUEST)
                    return
                self._in_flight += 1
                self._max_in_flight = max(self._max_in_flight, self._in_flight)
                try:
                    keep_open = await self._answer(request, writer, connection_id, started)
                finally:
                    self._in_flight -= 1
                if not keep_open:
                    return
        except (ConnectionError, OSError):
            return
        except asyncio.CancelledError:  # shutting down: end quietly (3.11 logs cancelled tasks)
            return
        finally:
            self._writers.discard(writer)
            self._handlers.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _answer(
        self, request: _Request, writer: asyncio.StreamWriter, connection_id: int, started: float
    ) -> bool:
        """Answer one request after its latency; True when the connection stays open."""
        route = self._route(request)
        delay = self.config.latency_s(route.key, route.attempt)
        if route.fault is not None and route.fault.kind == "slow":
            delay += self._faults.slow_delay_s
        if delay > 0:
            await asyncio.sleep(delay)
        fault = route.fault
        if fault is not None and fault.kind == "reset":
            self._record(request, started, route.slug, None, 0, fault, connection_id)
            _reset(writer)
            return False
        if request.method not in ("GET", "HEAD"):
            answer = _error(HTTPStatus.METHOD_NOT_ALLOWED, (("Allow", "GET, HEAD"),))
        elif fault is not None and fault.kind == "status" and fault.status is not None:
            retry_after = self._faults.retry_after(time.time())
            answer = _error(
                fault.status, (("Retry-After", retry_after),) if fault.status == 429 else ()
            )
        elif route.page is None:
            answer = _error(HTTPStatus.NOT_FOUND)
        else:
            answer = _page_answer(route.page, request.headers)
            if fault is not None and fault.kind == "truncate" and answer.body:
                answer.send_limit = len(answer.body) // 2
        keep_alive = request.keep_alive and answer.send_limit is None
        data = self._encode(answer, request.method == "HEAD", keep_alive)
        # Recorded before sending, so a client never sees an answer missing from the log.
        self._record(request, started, route.slug, answer.status, len(data), fault, connection_id)
        await self._send(writer, data, close=answer.send_limit is not None)
        return keep_alive

    def _route(self, request: _Request) -> _Route:
        """What the path names, its request number, its fault and its page."""
        pages, faults = self._pages, self._faults
        path = request.path
        own_host = TRACK_HOST.match(request.host)
        if own_host and own_host.group(1) != LIST_HOST.partition(".")[0]:
            name = own_host.group(1) if path == "/" else None
            robots_key = f"robots@{request.host}"
        else:
            match = TRACK_PATH.match(path)
            name = match.group(1) if match else None
            robots_key = "robots"
        track = pages.catalogue.get(name) if name else None
        slug = (track.slug if track else name) if name else None
        if path == "/robots.txt":
            key = robots_key
        elif slug is not None:
            key = slug.lower()
        else:
            key = "list" if path == "/" else path
        attempt = self._attempts.get(key, 0)
        self._attempts[key] = attempt + 1
        route = _Route(key, attempt, slug)
        if request.method not in ("GET", "HEAD"):
            return route
        if self._outage is not None and time.monotonic() < self._outage[1]:
            route.fault = Fault("status", self._outage[0])
            return route
        if key == robots_key:
            route.fault, route.page = faults.robots_fault(attempt), pages.robots
        elif key == "list":
            route.fault = faults.list_fault(attempt)
            mode = route.fault.kind if route.fault else ""
            if mode == "maintenance":
                route.page = pages.maintenance()
            elif mode == "truncated":
                route.page = pages.truncated_list(faults.list_rows)
            elif mode == "cut":
                route.page = pages.cut_list()
            else:
                route.page = pages.track_list
        elif slug is not None:
            route.fault = faults.dashboard_fault(self.config.seed, key, attempt)
            if track is not None and route.fault is not None and route.fault.kind == "malformed":
                route.page = pages.malformed_dashboard(track)
            elif track is not None:
                route.page = pages.dashboard(track)
        return route

    def _encode(self, answer: _Answer, head_only: bool, keep_alive: bool) -> bytes:
        """The bytes to send: status line, headers and (possibly cut) body."""
        lines = [
            f"HTTP/1.1 {answer.status} {_phrase(answer.status)}",
            f"Date: {self._http_date()}",
            f"Server: {SERVER_NAME}",
            *(f"{name}: {value}" for name, value in answer.headers),
        ]
        if answer.status != HTTPStatus.NOT_MODIFIED:
            lines.append(f"Content-Length: {len(answer.body)}")
        if not keep_alive:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        body = b"" if head_only else answer.body
        if answer.send_limit is not None:
            body = body[: answer.send_limit]
        return head + body

    async def _send(self, writer: asyncio.StreamWriter, data: bytes, close: bool) -> None:
        writer.write(data)
        await writer.drain()
        if close:
            writer.close()

    async def _send_error(self, writer: asyncio.StreamWriter, status: HTTPStatus) -> None:
        with suppress(ConnectionError, OSError):
            await self._send(writer, self._encode(_error(status), False, False), close=True)

    def _record(
        self,
        request: _Request,
        started: float,
        slug: str | None,
        status: int | None,
        sent: int,
        fault: Fault | None,
        connection_id: int,
    ) -> None:
        record = RequestRecord(
            time=started,
            end_time=time.monotonic(),
            slug=slug,
            path=request.path,
            method=request.method,
            headers=request.headers,
            status=status,
            bytes_sent=sent,
            fault=str(fault) if fault is not None else None,
            day=self._pages.catalogue.day,
            connection_id=connection_id,
            host=request.host,
        )
        self._log.append(record)
        if self._log_file is not None:
            self._log_file.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")

    def _http_date(self) -> str:
        now = int(time.time())
        if self._date_cache[0] != now:
            self._date_cache = (now, formatdate(now, usegmt=True))
        return self._date_cache[1]


@contextmanager
def serve_in_thread(config: SimulatorConfig | None = None) -> Iterator[Simulator]:
    """A running simulator on 127.0.0.1 (a free port unless ``config.port`` is set)."""
    simulator = Simulator(config).start()
    try:
        yield simulator
    finally:
        simulator.stop()


# --- HTTP helpers ---


def _parse_head(head: bytes) -> _Request:
    if len(head) > MAX_HEAD_BYTES:
        raise _BadRequest("request head too large")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest(f"bad request line {lines[0]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise _BadRequest(f"bad header line {line!r}")
        name = name.strip().lower()
        headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
    if target.startswith(("http://", "https://")):
        target = urlsplit(target).path or "/"
    path = unquote(target.split("?", 1)[0].split("#", 1)[0]) or "/"
    connection = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return _Request(method.upper(), path, headers, keep_alive)


async def _discard_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> None:
    if "transfer-encoding" in headers:
        raise _BadRequest("chunked request bodies are not supported")
    length = headers.get("content-length", "0").strip() or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise _BadRequest(f"bad Content-Length {length!r}")
    if int(length):
        await reader.readexactly(int(length))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status the spec allows but http.HTTPStatus does not name
        return "Error"


def _error(status: int, headers: tuple[tuple[str, str], ...] = ()) -> _Answer:
    phrase = _phrase(status)
    body = (
        f"<html><head><title>{status} {phrase}</title></head>"
        f"<body><h1>{phrase}</h1></body></html>\n"
    ).encode()
    return _Answer(int(status), body, (("Content-Type", "text/html; charset=UTF-8"), *headers))


def _accepts_gzip(headers: dict[str, str]) -> bool:
    for token in headers.get("accept-encoding", "").split(","):
        name, _, params = token.strip().partition(";")
        if name.strip().lower() == "gzip":
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _opaque_tags(header: str) -> set[str]:
    tags = set()
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/")
        tags.add(tag.replace("-gzip", ""))
    return tags


def _not_modified(page: Page, headers: dict[str, str]) -> bool:
    if "if-none-match" in headers:
        tags = _opaque_tags(headers["if-none-match"])
        return "*" in tags or page.etag in tags
    if "if-modified-since" in headers:
        try:
            since = parsedate_to_datetime(headers["if-modified-since"]).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return page.last_modified <= since
    return False


def _page_answer(page: Page, headers: dict[str, str]) -> _Answer:
    gzipped = _accepts_gzip(headers)
    etag = page.etag[:-1] + '-gzip"' if gzipped else page.etag
    validators = (
        ("ETag", etag),
        ("Last-Modified", page.last_modified_http),
        ("Vary", "Accept-Encoding"),
        ("Cache-Control", "max-age=0"),
    )
    if _not_modified(page, headers):
        return _Answer(HTTPStatus.NOT_MODIFIED.value, b"", validators)
    content = (("Content-Type", page.content_type), *validators)
    if gzipped:
        return _Answer(200, page.gzipped(), (*content, ("Content-Encoding", "gzip")))
    return _Answer(200, page.body, content)


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP reset, sending nothing."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
