"""The simulator over HTTP: pages, validators, robots.txt, faults, the request log."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest

from track_sync_assets.simulator import (
    CatalogueFactory,
    FaultSpec,
    Simulator,
    SimulatorConfig,
    serve_in_thread,
)

TRACKS = 120
IDENTITY = {"Accept-Encoding": "identity"}


def simulator(faults: str = "", **options: object) -> Iterator[Simulator]:
    config = SimulatorConfig(tracks=TRACKS, faults=FaultSpec.parse(faults), **options)  # type: ignore[arg-type]
    return serve_in_thread(config)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with simulator() as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http


def first_slug(sim: Simulator) -> str:
    return sim.catalogue.listed[0].slug


def test_urls_point_at_127_0_0_1_on_a_free_port(sim: Simulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", sim.list_url)
    assert sim.track_url_template == f"{sim.base_url}/tracks/{{slug}}/"


def test_list_and_dashboards_are_served_as_utf8_html(sim: Simulator, client: httpx.Client) -> None:
    listing = client.get(sim.list_url)
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "text/html; charset=UTF-8"
    assert listing.text.count('<tr class="clickable-row"') == len(sim.catalogue)
    track = sim.catalogue.listed[0]
    page = client.get(sim.track_url(track.slug))
    assert page.status_code == 200
    assert f"<title>{track.name} :: Broadcast and Results :: LiveRC</title>" in page.text


def test_slugs_match_case_insensitively_and_unknown_ones_are_404(
    sim: Simulator, client: httpx.Client
) -> None:
    slug = first_slug(sim)
    assert client.get(sim.track_url(slug.upper())).status_code == 200
    assert client.get(sim.track_url("nosuchtrack")).status_code == 404
    assert client.get(f"{sim.base_url}/elsewhere").status_code == 404


def test_head_has_headers_only_and_other_methods_are_refused(
    sim: Simulator, client: httpx.Client
) -> None:
    head = client.head(sim.list_url, headers=IDENTITY)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(
        client.get(sim.list_url, headers=IDENTITY).content
    )
    refused = client.post(sim.list_url, content=b"x")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"


def test_gzip_is_served_when_accepted(sim: Simulator, client: httpx.Client) -> None:
    zipped = client.get(sim.list_url)
    plain = client.get(sim.list_url, headers=IDENTITY)
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert zipped.text == plain.text
    assert int(zipped.headers["content-length"]) < len(plain.content) / 5


def test_unchanged_page_answers_304_to_its_etag_or_date(
    sim: Simulator, client: httpx.Client
) -> None:
    url = sim.track_url(first_slug(sim))
    page = client.get(url)
    etag, modified = page.headers["etag"], page.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.content == b"" and not_modified.headers["etag"] == etag


def test_next_day_idle_pages_stay_304_while_active_ones_change(
    sim: Simulator, client: httpx.Client
) -> None:
    day_one = sim.catalogue
    validators = {
        t.slug: client.get(sim.track_url(t.slug)).headers["etag"] for t in day_one.tracks.values()
    }
    sim.set_day(2)
    day_two = sim.catalogue
    statuses = {
        slug: client.get(sim.track_url(slug), headers={"If-None-Match": etag}).status_code
        for slug, etag in validators.items()
    }
    for slug, status in statuses.items():
        changed = day_two[slug].page_changed_day == 2
        assert status == (200 if changed else 304), slug
    assert 200 in statuses.values() and 304 in statuses.values()
    list_etag = client.get(sim.list_url).headers["etag"]
    assert list_etag != validators[first_slug(sim)]


def test_tracks_that_left_the_list_still_answer_and_future_ones_do_not(
    client: httpx.Client,
) -> None:
    days = CatalogueFactory(seed=1, size=TRACKS)
    first = days.day(1)
    departure_day = next(d for d in range(2, 60) if days.day(d).departed)
    departed = days.day(departure_day).departed[0]
    arrival_day = next(d for d in range(2, 60) if set(days.day(d).arrived) - set(first.tracks))
    newcomer = next(s for s in days.day(arrival_day).arrived if s not in first.tracks)
    with simulator() as sim:
        sim.set_day(departure_day)
        assert departed not in {t.slug for t in sim.catalogue}
        assert client.get(sim.track_url(departed)).status_code == 200
        sim.set_day(1)
        assert client.get(sim.track_url(newcomer)).status_code == 404
        sim.set_day(arrival_day)
        assert client.get(sim.track_url(newcomer)).status_code == 200


def test_robots_allows_everything_by_default(sim: Simulator, client: httpx.Client) -> None:
    robots = client.get(f"{sim.base_url}/robots.txt")
    assert robots.status_code == 200
    assert robots.text == "User-agent: *\nDisallow:\n"


def test_robots_disallows_configured_slugs_and_sets_a_crawl_delay(client: httpx.Client) -> None:
    with simulator(robots_disallow=("trackA", "trackB"), crawl_delay=2.0) as sim:
        text = client.get(f"{sim.base_url}/robots.txt").text
    assert "Disallow: /tracks/trackA/\nDisallow: /tracks/trackB/\n" in text
    assert "Crawl-delay: 2\n" in text


@pytest.mark.parametrize(("mode", "status"), [("503", 503), ("404", 404), ("500", 500)])
def test_robots_can_fail(mode: str, status: int, client: httpx.Client) -> None:
    with simulator(f"robots={mode}") as sim:
        assert client.get(f"{sim.base_url}/robots.txt").status_code == status


def test_random_5xx_answers_are_server_errors(client: httpx.Client) -> None:
    with simulator("5xx=1") as sim:
        statuses = {client.get(sim.track_url(t.slug)).status_code for t in sim.catalogue}
        assert statuses <= {500, 502, 503, 504} and len(statuses) > 1
        assert client.get(sim.list_url).status_code == 200  # random faults hit dashboards only


def test_429_carries_retry_after_in_seconds_or_as_a_date(client: httpx.Client) -> None:
    with simulator("429=1,retry_after=2") as sim:
        answer = client.get(sim.track_url(first_slug(sim)))
        assert answer.status_code == 429 and answer.headers["retry-after"] == "2"
    with simulator("broken=anything:429,retry_after=date:60") as sim:
        answer = client.get(sim.track_url("anything"))
        assert answer.status_code == 429
        assert parsedate_to_datetime(answer.headers["retry-after"]).year >= 2025


def test_slow_answers_outlast_a_short_read_timeout(client: httpx.Client) -> None:
    with simulator("slow=1,slow_delay=0.5") as sim:
        with pytest.raises(httpx.ReadTimeout):
            client.get(sim.track_url(first_slug(sim)), timeout=httpx.Timeout(5, read=0.1))
        answer = client.get(sim.track_url(first_slug(sim)), timeout=5)
        assert answer.status_code == 200
        record = sim.request_log[-1]
        assert record.fault == "slow" and record.end_time - record.time >= 0.5


def test_reset_drops_the_connection_without_an_answer(client: httpx.Client) -> None:
    with simulator("reset=1") as sim:
        with pytest.raises(httpx.TransportError):
            client.get(sim.track_url(first_slug(sim)))
        assert client.get(sim.list_url).status_code == 200
        record = next(r for r in sim.request_log if r.slug)
        assert record.status is None and record.fault == "reset" and record.bytes_sent == 0


def test_truncate_sends_less_than_its_content_length(client: httpx.Client) -> None:
    with simulator("truncate=1") as sim:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(sim.track_url(first_slug(sim)), headers=IDENTITY)
        assert sim.request_log[-1].fault == "truncate"


def test_malformed_dashboard_is_a_200_without_its_about_panel(client: httpx.Client) -> None:
    with simulator("malformed=1") as sim:
        page = client.get(sim.track_url(first_slug(sim)))
    assert page.status_code == 200
    assert "Track Map" in page.text and "Lifetime Track Stats" in page.text
    assert "<address" not in page.text and "> About " not in page.text


def test_gone_tracks_answer_404(client: httpx.Client) -> None:
    with simulator() as sim:
        gone, kept = (t.slug for t in sim.catalogue.listed[:2])
        sim.set_faults(FaultSpec.parse(f"gone={gone}"))
        assert client.get(sim.track_url(gone)).status_code == 404
        assert client.get(sim.track_url(kept)).status_code == 200


def test_flaky_track_fails_n_times_then_succeeds_again_each_day(client: httpx.Client) -> None:
    with simulator() as sim:
        slug = first_slug(sim)
        sim.set_faults(FaultSpec.parse(f"flaky={slug}:2,broken={sim.catalogue.listed[1].slug}"))
        url = sim.track_url(slug)
        assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]
        assert client.get(sim.track_url(sim.catalogue.listed[1].slug)).status_code == 500
        sim.set_day(2)
        assert [client.get(url).status_code for _ in range(3)] == [503, 503, 200]


def test_list_can_answer_maintenance_then_recover(client: httpx.Client) -> None:
    with simulator("list=maintenance:1") as sim:
        first = client.get(sim.list_url)
        assert first.status_code == 200 and "Maintenance" in first.text
        assert "track_list" not in first.text
        assert "track_list" in client.get(sim.list_url).text


def test_list_can_be_truncated_to_a_few_well_formed_rows(client: httpx.Client) -> None:
    with simulator("list=truncated,list_rows=5") as sim:
        page = client.get(sim.list_url).text
    assert page.count('<tr class="clickable-row"') == 5 and "</table>" in page


def test_list_can_be_cut_mid_table_with_a_matching_length(client: httpx.Client) -> None:
    with simulator("list=cut") as sim:
        page = client.get(sim.list_url, headers=IDENTITY)
    assert page.status_code == 200 and "</table>" not in page.text
    assert int(page.headers["content-length"]) == len(page.content)


def test_list_can_fail_with_a_status_first(client: httpx.Client) -> None:
    with simulator("list=503:2") as sim:
        assert [client.get(sim.list_url).status_code for _ in range(3)] == [503, 503, 200]


def test_request_log_records_headers_statuses_and_slugs(client: httpx.Client) -> None:
    with simulator() as sim:
        slug = first_slug(sim)
        client.get(sim.list_url)
        client.get(sim.track_url(slug.upper()), headers={"User-Agent": "track-sync-test/1.0"})
        client.get(sim.track_url("missing"))
        log = sim.request_log
        assert [(r.path, r.slug, r.status, r.method) for r in log] == [
            ("/", None, 200, "GET"),
            (f"/tracks/{slug.upper()}/", slug, 200, "GET"),
            ("/tracks/missing/", "missing", 404, "GET"),
        ]
        assert log[1].headers["user-agent"] == "track-sync-test/1.0"
        assert all(r.end_time >= r.time and r.bytes_sent > 0 and r.day == 1 for r in log)
        assert len({r.connection_id for r in log}) == 1  # one keep-alive connection
        sim.clear_log()
        assert sim.request_log == []


def test_request_log_can_be_appended_to_a_json_lines_file(
    tmp_path: Path, client: httpx.Client
) -> None:
    log_file = tmp_path / "requests.jsonl"
    with simulator(log_path=log_file) as sim:
        client.get(sim.list_url)
        client.get(sim.track_url(first_slug(sim)))
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [line["status"] for line in lines] == [200, 200]
    assert lines[1]["slug"] == first_slug(sim) and "user-agent" in lines[1]["headers"]


def test_latency_is_applied_per_response() -> None:
    with simulator(latency_median_ms=80.0) as sim, httpx.Client() as client:
        client.get(sim.track_url(first_slug(sim)))
        client.get(f"{sim.base_url}/robots.txt")
        assert all(r.end_time - r.time >= 0.08 for r in sim.request_log)


def test_latency_distribution_has_the_requested_median_and_p95() -> None:
    config = SimulatorConfig(tracks=1, latency_median_ms=200.0, latency_p95_ms=800.0)
    draws = sorted(config.latency_s(f"t{i}", 0) for i in range(4000))
    assert draws[2000] == pytest.approx(0.2, rel=0.08)
    assert draws[3800] == pytest.approx(0.8, rel=0.1)
    assert SimulatorConfig(tracks=1, latency_median_ms=50.0).latency_s("x", 3) == 0.05


def test_server_measures_concurrent_requests_on_keep_alive_connections() -> None:
    with simulator(latency_median_ms=150.0) as sim:
        slugs = [t.slug for t in sim.catalogue.listed[:12]]

        async def fetch_all() -> list[int]:
            limits = httpx.Limits(max_connections=6, max_keepalive_connections=6)
            async with httpx.AsyncClient(limits=limits, timeout=10) as client:
                answers = await asyncio.gather(*(client.get(sim.track_url(s)) for s in slugs))
            return [answer.status_code for answer in answers]

        assert asyncio.run(fetch_all()) == [200] * 12
        assert sim.max_concurrency_seen == 6
        assert len({r.connection_id for r in sim.request_log}) == 6


def test_a_busy_port_is_reported_when_starting() -> None:
    with simulator() as sim, pytest.raises(OSError):
        Simulator(SimulatorConfig(tracks=5, port=sim.port)).start()


def test_any_error_status_of_the_spec_is_sent_even_without_a_standard_name(
    client: httpx.Client,
) -> None:
    with simulator("broken=oddtrack:420,list=418:1") as sim:
        assert client.get(sim.track_url("oddtrack")).status_code == 420
        assert [client.get(sim.list_url).status_code for _ in range(2)] == [418, 200]
