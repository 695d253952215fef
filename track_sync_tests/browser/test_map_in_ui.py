"""The catalogue map shows on the ``track_catalogue_exports`` page of a real Dagster UI."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from dagster import DagsterInstance, materialize
from dagster._core.instance.ref import InstanceRef

from track_sync_assets.store import CatalogueStore
from track_sync_tests.conftest import stop_process_group
from track_sync_tests.exports.seed import seed_catalogue

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path("/tmp/track-sync-artifacts")
DEFS_MODULE = """
from dagster import Definitions

from track_sync_assets.defs.assets.exports import ExportsResource, track_catalogue_exports
from track_sync_assets.defs.resources import CatalogueResource

defs = Definitions(
    assets=[track_catalogue_exports],
    resources={{
        "catalogue": CatalogueResource(database_url={url!r}),
        "exports": ExportsResource(folder={folder!r}),
    }},
)
"""


def _missing_browser() -> str | None:
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install playwright)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _load_defs(path: Path):
    spec = importlib.util.spec_from_file_location("export_ui_defs", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.defs


def _wait_for_webserver(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode() if process.stderr else ""
            pytest.fail(f"dagster-webserver exited: {stderr[-2000:]}")
        try:
            if httpx.get(f"{base}/server_info", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail("dagster-webserver did not answer within 120 s")


@pytest.mark.slow
@pytest.mark.browser
def test_the_map_shows_on_the_exports_asset_page(tmp_path: Path) -> None:
    reason = _missing_browser()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    with CatalogueStore(url) as store:
        seed_catalogue(store)
    module = tmp_path / "export_ui_defs.py"
    module.write_text(DEFS_MODULE.format(url=url, folder=str(tmp_path / "exports")))
    home = tmp_path / "dagster_home"
    home.mkdir()
    defs = _load_defs(module)
    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        result = materialize(
            defs.assets, resources=defs.resources, instance=instance, selection="*"
        )
        assert result.success

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "dagster_webserver", "-f", str(module)]
    process = subprocess.Popen(
        [*command, "-h", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for_webserver(process, base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1100})
                page.goto(f"{base}/assets/track_catalogue_exports", timeout=60_000)
                # The open-source UI greets a new browser with a newsletter dialog.
                skip = page.get_by_role("button", name="Skip")
                with contextlib.suppress(PlaywrightTimeout):  # the dialog is optional
                    skip.click(timeout=5_000)
                # Markdown metadata sits behind "[Show Markdown]" in the Metadata table.
                row = page.locator("tr", has=page.get_by_text("map", exact=True)).first
                row.get_by_text("[Show Markdown]").click(timeout=60_000)
                image = page.locator('img[src^="data:image/png;base64,"]').first
                expect(image).to_be_visible(timeout=30_000)
                width = image.evaluate("img => img.complete ? img.naturalWidth : 0")
                assert width == 1200
                assert image.bounding_box()["width"] > 300
                shot = tmp_path / "map_in_ui.png"
                page.screenshot(path=str(shot))
            finally:
                browser.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / shot.name)
    finally:
        stop_process_group(process, timeout_s=20)
