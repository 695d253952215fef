"""The runtime kill switch (``track-sync scraping off``) at start and in the middle of a sync.

Switched off before: sync and refetch exit non-zero and LiveRC sees no request. Switched off
from another process while a slow sync fetches: it stops within one request per worker,
exits non-zero, the catalogue is unchanged and every stored dashboard is kept.
"""

from __future__ import annotations

import time

import pytest

from track_sync_assets.simulator import FaultSpec
from track_sync_tests.reliability.conftest import (
    TRACKS,
    Site,
    SiteFactory,
    explain,
    record_result,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

STOP_CHECK_MARGIN_S = 1.0
"""The stop check reads the switch every 0.25 s; a request started later than this after
the switch was set is one too many."""


def synced(site: Site, *args: str) -> Site:
    result = site.run("sync", "--full", *args)
    assert result.returncode == 0, explain(result)
    site.simulator.clear_log()
    return site


def stored_dashboards(site: Site) -> dict[str, str | None]:
    with site.store() as store:
        states = store.dashboard_states()
    return {k: s.validators.content_hash for k, s in states.items() if s.dashboard is not None}


def test_scraping_off_before_sync_and_refetch_fetches_nothing(sites: SiteFactory) -> None:
    site = sites("switched-off")
    broken = [t.slug for t in site.simulator.catalogue.listed[:3]]
    site.simulator.set_faults(FaultSpec.parse(f"broken={'+'.join(broken)}"))
    partial = site.run("sync", "--full")
    assert partial.returncode == 0, explain(partial)  # 3 failed tracks: a partial success
    site.simulator.set_faults(FaultSpec())
    site.simulator.clear_log()
    with site.store() as store:
        before = store.tracks_frame()

    off = site.run("scraping", "off", "--reason", "reliability test")
    sync = site.run("sync")
    refetch = site.run("refetch")

    assert off.returncode == 0 and "scraping is off" in off.stdout, explain(off)
    assert sync.returncode != 0, explain(sync)
    assert refetch.returncode != 0, explain(refetch)
    assert "reliability test" in sync.stdout + sync.stderr, explain(sync)
    assert site.simulator.request_log == [], "nothing is fetched, robots.txt included"
    with site.store() as store:
        after = store.tracks_frame()
    unchanged = before.equals(after)
    record_result(
        "scraping off, then sync and refetch",
        site.database,
        f"sync exit {sync.returncode}, refetch exit {refetch.returncode}, 0 requests",
        0 if unchanged else TRACKS,
    )
    assert unchanged, "the catalogue is unchanged"


def test_scraping_off_mid_sync_stops_within_one_request(sites: SiteFactory) -> None:
    site = synced(sites("switched-mid-run", latency_ms=600))
    with site.store() as store:
        before = store.tracks_frame()
    kept = stored_dashboards(site)

    sync = site.start("sync", "--full")
    wait_for("12 dashboards answered", lambda: len(site.dashboard_requests()) >= 12, 120, 0.05)
    off = site.run("scraping", "off", "--reason", "stop now")
    switched_at = time.monotonic()
    result = site.finish(sync)

    assert off.returncode == 0, explain(off)
    assert result.returncode != 0, result.explain()
    assert "stop now" in result.stdout + result.stderr, result.explain()
    late = [r for r in site.simulator.request_log if r.time > switched_at + STOP_CHECK_MARGIN_S]
    fetched = len(site.dashboard_requests())
    assert fetched < TRACKS, "the switch landed mid-run"
    with site.store() as store:
        after = store.tracks_frame()
    now = stored_dashboards(site)
    lost = [slug for slug in kept if slug not in now]
    record_result(
        "scraping off mid-sync (from another process)",
        site.database,
        f"stopped after {fetched}/{TRACKS} pages, {len(late)} started late, exit "
        f"{result.returncode}",
        len(lost) + (0 if before.equals(after) else TRACKS),
    )
    assert late == [], f"{len(late)} requests started after the switch was seen"
    assert before.equals(after), "the catalogue is unchanged"
    assert lost == [], "stored dashboards are kept"
