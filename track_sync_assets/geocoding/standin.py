"""A small local Nominatim stand-in for tests and demos (``/search`` in ``format=json``).

It answers structured searches from canned :class:`StandInPlace` entries and, by
default, from the offline gazetteer at the level asked (a ``city`` query is answered
only by a city, a ``state`` query by a region, a ``country`` query by the country;
streets and postal codes only from canned entries). It records every request (time,
path, query, headers) and can be told to fail the next requests (e.g. 503, or 429
with ``Retry-After``) or to stall them (a timeout). For a demo, serve one with
``python -m track_sync_assets.geocoding.standin``.
"""

from __future__ import annotations

import argparse
import functools
import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from track_sync_assets.domain import Address, GeocodePrecision
from track_sync_assets.geocoding.gazetteer import load_gazetteer
from track_sync_assets.geocoding.offline import OfflineGeocoder
from track_sync_assets.geocoding.regions import load_regions

_LICENCE = "Data (c) OpenStreetMap contributors, ODbL 1.0 (track-sync stand-in)"
_STRUCTURED = ("street", "city", "county", "state", "country", "postalcode")


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the stand-in received it."""

    monotonic: float
    """``time.monotonic()`` on arrival: compare these to measure the request rate."""
    received_at: datetime
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class StandInPlace:
    """A canned answer, returned when every ``match`` parameter equals the request's
    (case-insensitively); parameters not in ``match`` are ignored."""

    match: Mapping[str, str]
    latitude: float
    longitude: float
    country_code: str
    osm_class: str = "place"
    osm_type: str = "town"
    addresstype: str | None = None
    place_rank: int = 16
    name: str = ""
    reported_country_code: str | None = None
    """The ``address.country_code`` answered, when it should differ from ``country_code``
    (a misbehaving service)."""

    def matches(self, query: Mapping[str, str]) -> bool:
        return all(
            query.get(key, "").casefold() == value.casefold() for key, value in self.match.items()
        )

    def to_json(self, place_id: int) -> dict[str, Any]:
        name = self.name or next(iter(self.match.values()), "")
        addresstype = self.addresstype or self.osm_type
        return {
            "place_id": place_id,
            "licence": _LICENCE,
            "osm_type": "node",
            "osm_id": place_id,
            "lat": f"{self.latitude:.7f}",
            "lon": f"{self.longitude:.7f}",
            "class": self.osm_class,
            "type": self.osm_type,
            "place_rank": self.place_rank,
            "importance": 0.5,
            "addresstype": addresstype,
            "name": name,
            "display_name": name,
            "address": {
                addresstype: name,
                "country_code": (self.reported_country_code or self.country_code).lower(),
            },
            "boundingbox": [
                f"{self.latitude - 0.01:.7f}",
                f"{self.latitude + 0.01:.7f}",
                f"{self.longitude - 0.01:.7f}",
                f"{self.longitude + 0.01:.7f}",
            ],
        }


@dataclass(slots=True)
class _Failure:
    status: int | None
    """None: answer normally after the stall."""
    retry_after: int | None = None
    stall_s: float = 0.0


@dataclass(slots=True)
class _State:
    places: list[StandInPlace]
    gazetteer_fallback: bool
    requests: list[RecordedRequest] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class NominatimStandIn:
    """A Nominatim-compatible HTTP server on 127.0.0.1 (port 0 = any free port)."""

    def __init__(
        self,
        places: Iterable[StandInPlace] = (),
        *,
        gazetteer_fallback: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._state = _State(list(places), gazetteer_fallback)
        self._server = ThreadingHTTPServer((host, port), _handler_for(self._state))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first."""
        with self._state.lock:
            return list(self._state.requests)

    @property
    def search_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/search"]

    def add_place(self, place: StandInPlace) -> None:
        """Add a canned answer (checked before earlier ones)."""
        with self._state.lock:
            self._state.places.insert(0, place)

    def fail_next(self, status: int, count: int = 1, *, retry_after: int | None = None) -> None:
        """Answer the next ``count`` searches with ``status`` (and ``Retry-After``, in
        whole seconds as HTTP has it)."""
        with self._state.lock:
            self._state.failures.extend(_Failure(status, retry_after) for _ in range(count))

    def stall_next(self, seconds: float, count: int = 1) -> None:
        """Wait ``seconds`` before answering each of the next ``count`` searches
        (longer than the client's timeout, this is a timeout)."""
        with self._state.lock:
            self._state.failures.extend(_Failure(None, stall_s=seconds) for _ in range(count))

    def start(self) -> NominatimStandIn:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="nominatim-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> NominatimStandIn:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _handler_for(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "NominatimStandIn/1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            with state.lock:
                state.requests.append(
                    RecordedRequest(
                        time.monotonic(),
                        datetime.now(UTC),
                        parts.path,
                        query,
                        dict(self.headers.items()),
                    )
                )
                is_search = parts.path == "/search"
                failure = state.failures.pop(0) if is_search and state.failures else None
                places = list(state.places)
            if failure is not None and failure.stall_s:
                time.sleep(failure.stall_s)
            if parts.path == "/status":
                self._send(200, b"OK", "text/plain")
            elif not is_search:
                self._send(404, b"not found", "text/plain")
            elif failure is not None and failure.status is not None:
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                self._send(failure.status, b"stand-in failure", "text/plain", headers)
            else:
                answers = _search(query, places, state.gazetteer_fallback)
                limit = int(query.get("limit") or 10)
                body = json.dumps(answers[:limit]).encode()
                self._send(200, body, "application/json")

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: Mapping[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _search(
    query: Mapping[str, str], places: list[StandInPlace], gazetteer_fallback: bool
) -> list[dict[str, Any]]:
    structured = {k: v for k, v in query.items() if k in _STRUCTURED and v}
    codes = [c.strip().upper() for c in query.get("countrycodes", "").split(",") if c.strip()]
    for number, place in enumerate(places, start=1):
        if place.matches(structured) and (not codes or place.country_code.upper() in codes):
            return [place.to_json(number)]
    if not gazetteer_fallback or not codes or "street" in structured:
        return []
    return _from_gazetteer(structured, codes[0])


@functools.cache
def _offline_geocoder() -> OfflineGeocoder:
    return OfflineGeocoder()


def _from_gazetteer(structured: Mapping[str, str], country_code: str) -> list[dict[str, Any]]:
    """Answer at the level asked, from the offline gazetteer."""
    if "city" in structured:
        address = Address(None, structured["city"], structured.get("state"), None, country_code)
        geocode = _offline_geocoder().geocode(address)
        if geocode.precision is not GeocodePrecision.CITY:
            return []
        place = StandInPlace({}, geocode.latitude or 0.0, geocode.longitude or 0.0, country_code)
        return [_named(place, structured["city"], "town", 16)]
    if "postalcode" in structured:
        return []
    if "state" in structured:
        region = load_regions().resolve(country_code, structured["state"])
        if region is None or region.latitude is None or region.longitude is None:
            return []
        place = StandInPlace({}, region.latitude, region.longitude, country_code)
        return [_named(place, region.name, "state", 8, osm_class="boundary")]
    if "country" in structured:
        country = load_gazetteer().country(country_code)
        if country is None or country.latitude is None or country.longitude is None:
            return []
        place = StandInPlace({}, country.latitude, country.longitude, country_code)
        return [_named(place, country.name, "country", 4, osm_class="boundary")]
    return []


def _named(
    place: StandInPlace, name: str, kind: str, rank: int, *, osm_class: str = "place"
) -> dict[str, Any]:
    answer = StandInPlace(
        {},
        place.latitude,
        place.longitude,
        place.country_code,
        osm_class=osm_class,
        osm_type="administrative" if osm_class == "boundary" else kind,
        addresstype=kind,
        place_rank=rank,
        name=name,
    )
    return answer.to_json(100_000 + rank)


def main(argv: list[str] | None = None) -> None:
    """Serve a stand-in until interrupted (for demos: set NOMINATIM_URL to its URL)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args(argv)
    standin = NominatimStandIn(host=args.host, port=args.port).start()
    print(f"Nominatim stand-in at {standin.url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()


if __name__ == "__main__":
    main()
