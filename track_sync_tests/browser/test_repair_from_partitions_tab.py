"""Repairing failed tracks from ``track_dashboards``' Partitions tab in a real UI (issue 9):
the "Failed" preset, one launch, one catalogue update, green partitions with their metadata."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
from pathlib import Path

import pytest

from track_sync_assets.simulator.faults import FaultSpec
from track_sync_tests.e2e.conftest import Deployment, running_deployment

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path("/tmp/track-sync-artifacts")
TRACKS = 60
BROKEN_AT = (5, 22, 41)


def _missing_browser() -> str | None:
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    return None


def _sync_with_failures(deployment: Deployment) -> list[str]:
    """A sync (Materialize on the track list, then the chain) in which a few scattered
    tracks fail for good; the faults are cleared afterwards. Returns their keys."""
    listings = deployment.simulator.catalogue.listings()
    broken = [listings[i] for i in BROKEN_AT]
    deployment.simulator.set_faults(FaultSpec.parse("broken=" + "+".join(b.slug for b in broken)))
    try:
        mark = deployment.mark()
        deployment.materialize(["liverc_track_list"])
        deployment.settle(mark)
    finally:
        deployment.simulator.set_faults(FaultSpec())
    return [b.slug_key for b in broken]


@pytest.mark.slow
@pytest.mark.browser
def test_the_failed_preset_repairs_the_failed_tracks_and_they_show_their_metadata(
    tmp_path: Path,
) -> None:
    reason = _missing_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    shots: list[Path] = []
    with running_deployment(tmp_path / "deployment", tracks=TRACKS) as deployment:
        broken = _sync_with_failures(deployment)
        assert sorted(deployment.partition_health()["failed"]) == sorted(broken)
        base = deployment.graphql.base_url

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1100})

                def shot(name: str) -> None:
                    path = tmp_path / f"repair-{len(shots) + 1:02d}-{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    shots.append(path)

                page.goto(f"{base}/assets/track_dashboards?view=partitions", timeout=90_000)
                with contextlib.suppress(PlaywrightTimeout):  # the newsletter dialog is optional
                    page.get_by_role("button", name="Skip").click(timeout=5_000)
                expect(page.get_by_text("Partitions", exact=False).first).to_be_visible(
                    timeout=60_000
                )
                shot("partitions-tab-with-failures")

                page.get_by_role("button", name="Materialize…").first.click(timeout=60_000)
                dialog = page.get_by_role("dialog")
                dialog.get_by_role("button", name="Failed", exact=True).click(timeout=60_000)
                shot("failed-preset-selected")

                mark = deployment.mark()
                dialog.get_by_role("button", name="Launch backfill").click(timeout=30_000)
                outcome = deployment.settle(mark)
                assert len(outcome.updating()) == 1, outcome.describe()
                assert set(outcome.fetches) == set(broken), outcome.describe()
                assert set(outcome.fetches.values()) == {1}, outcome.describe()
                assert deployment.partition_health()["failed"] == []

                page.goto(f"{base}/assets/track_dashboards?view=partitions", timeout=90_000)
                expect(page.get_by_text("Partitions", exact=False).first).to_be_visible(
                    timeout=60_000
                )
                shot("partitions-tab-repaired")

                page.goto(
                    f"{base}/assets/track_dashboards?view=partitions&partition={broken[1]}",
                    timeout=90_000,
                )
                for entry in ("outcome", "fetched", "status_code"):
                    expect(page.get_by_text(entry, exact=True).first).to_be_visible(timeout=60_000)
                shot("repaired-partition-metadata")
            except Exception:
                with contextlib.suppress(Exception):
                    shot("failure")
                raise
            finally:
                browser.close()
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                for path in shots:
                    shutil.copy(path, ARTIFACTS / path.name)
