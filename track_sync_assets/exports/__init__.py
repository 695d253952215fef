"""The catalogue for downstream use: GeoJSON, CSV, Parquet and a map picture, on disk.

Pure: no Dagster, no database. It takes ``CatalogueStore.tracks_frame()`` and writes files
(see docs/exports.md).
"""

from track_sync_assets.exports.atomic import StagedFiles, remove_stale_temp_files, staged_files
from track_sync_assets.exports.map import (
    PRECISION_COLOURS,
    MapEmbed,
    MapPicture,
    map_embed,
    pixel_of,
    render_map,
)
from track_sync_assets.exports.tables import EXPORT_COLUMNS, export_frame, geojson_collection
from track_sync_assets.exports.writer import (
    CSV_NAME,
    GEOJSON_NAME,
    MAP_NAME,
    PARQUET_NAME,
    ExportedFile,
    ExportResult,
    write_exports,
)

__all__ = [
    "CSV_NAME",
    "EXPORT_COLUMNS",
    "GEOJSON_NAME",
    "MAP_NAME",
    "PARQUET_NAME",
    "PRECISION_COLOURS",
    "ExportResult",
    "ExportedFile",
    "MapEmbed",
    "MapPicture",
    "StagedFiles",
    "export_frame",
    "geojson_collection",
    "map_embed",
    "pixel_of",
    "remove_stale_temp_files",
    "render_map",
    "staged_files",
    "write_exports",
]
