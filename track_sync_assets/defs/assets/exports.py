"""``track_catalogue_exports``: the active catalogue as GeoJSON, CSV, Parquet and a map."""

import base64
from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    ConfigurableResource,
    MaterializeResult,
    MetadataValue,
    asset,
)

from track_sync_assets.defs.resources import CatalogueResource
from track_sync_assets.exports import ExportResult, write_exports
from track_sync_assets.store import project_root


class ExportsResource(ConfigurableResource):
    """Where the export files go; ``""`` means ``<project root>/dagster_home/exports``."""

    folder: str = ""

    def path(self) -> Path:
        if self.folder:
            return Path(self.folder).expanduser()
        return project_root() / "dagster_home" / "exports"


def map_markdown(png: bytes, *, alt: str = "map") -> str:
    """The PNG inlined as a ``data:`` URI in Markdown (shows on the asset's page in the UI)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"


def export_metadata(result: ExportResult) -> dict[str, object]:
    """Row counts, file paths and sizes, precision counts and the map picture."""
    metadata: dict[str, object] = {
        "dagster/row_count": result.rows,
        "rows": result.rows,
        "with_coordinates": result.with_coordinates,
        "without_coordinates": result.rows - result.with_coordinates,
        "folder": MetadataValue.path(str(result.folder)),
    }
    for kind, exported in result.files.items():
        metadata[f"{kind}_path"] = MetadataValue.path(str(exported.path))
        metadata[f"{kind}_bytes"] = exported.bytes
    if result.map is not None:
        metadata["precision_counts"] = MetadataValue.json(result.map.by_precision)
        metadata["map"] = MetadataValue.md(map_markdown(result.map.png, alt="Active tracks"))
    return metadata


@asset(group_name="track_sync", deps=["tracks"], kinds={"python", "geojson", "parquet"})
def track_catalogue_exports(
    context: AssetExecutionContext, catalogue: CatalogueResource, exports: ExportsResource
) -> MaterializeResult:
    """The active catalogue for downstream use: ``tracks.geojson`` (RFC 7946),
    ``tracks.csv``, ``tracks.parquet`` and ``tracks_map.png``, replaced atomically."""
    with catalogue.open() as store:
        frame = store.tracks_frame(active_only=True)
    result = write_exports(frame, exports.path(), generated_at=datetime.now(UTC))
    context.log.info(
        f"{result.rows} tracks exported to {result.folder} "
        f"({result.rows - result.with_coordinates} without coordinates)"
    )
    return MaterializeResult(metadata=export_metadata(result))
