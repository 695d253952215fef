"""The ``track_catalogue_exports`` asset on a real instance: files, metadata, inlined map."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from dagster import DagsterInstance, materialize

from track_sync_assets.defs.assets.exports import ExportsResource, track_catalogue_exports
from track_sync_assets.defs.resources import CatalogueResource
from track_sync_assets.store import CatalogueStore, project_root
from track_sync_tests.exports.seed import EXPORTED, seed_catalogue

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_asset_writes_the_files_and_shows_the_map(sqlite_url: str, tmp_path: Path) -> None:
    with CatalogueStore(sqlite_url) as store:
        seed_catalogue(store)
    folder = tmp_path / "exports"
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [track_catalogue_exports],
            resources={
                "catalogue": CatalogueResource(database_url=sqlite_url),
                "exports": ExportsResource(folder=str(folder)),
            },
            instance=instance,
        )
    assert result.success
    metadata = result.asset_materializations_for_node("track_catalogue_exports")[0].metadata
    assert metadata["dagster/row_count"].value == len(EXPORTED)
    assert metadata["without_coordinates"].value == 1
    for kind, name in {"geojson": "tracks.geojson", "csv": "tracks.csv"}.items():
        assert metadata[f"{kind}_path"].value == str(folder / name)
        assert metadata[f"{kind}_bytes"].value == (folder / name).stat().st_size
    assert metadata["parquet_bytes"].value == (folder / "tracks.parquet").stat().st_size
    match = re.fullmatch(
        r"!\[Active tracks\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", metadata["map"].value
    )
    assert match, metadata["map"].value[:80]
    png = base64.b64decode(match.group(1))
    assert png.startswith(PNG_SIGNATURE)
    assert png == (folder / "tracks_map.png").read_bytes()
    assert len(png) < 150_000  # paletted: it is stored in the event log on every run


def test_the_default_folder_is_under_dagster_home() -> None:
    assert ExportsResource().path() == project_root() / "dagster_home" / "exports"
    assert ExportsResource(folder="~/x").path() == Path("~/x").expanduser()
