"""Write the export files into one folder, all of them or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from track_sync_assets.exports.atomic import remove_stale_temp_files, staged_files
from track_sync_assets.exports.map import MapPicture, render_map
from track_sync_assets.exports.tables import (
    export_frame,
    has_coordinates,
    write_csv,
    write_geojson,
    write_parquet,
)

GEOJSON_NAME = "tracks.geojson"
CSV_NAME = "tracks.csv"
PARQUET_NAME = "tracks.parquet"
MAP_NAME = "tracks_map.png"


@dataclass(frozen=True)
class ExportedFile:
    path: Path
    bytes: int
    rows: int | None
    """Tracks in the file (``None`` for the map picture)."""


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    rows: int
    with_coordinates: int
    files: dict[str, ExportedFile]
    """By kind: ``geojson``, ``csv``, ``parquet`` and ``map``."""
    map: MapPicture | None = field(default=None, repr=False)


def write_exports(
    tracks: pd.DataFrame,
    folder: Path,
    *,
    with_map: bool = True,
    generated_at: datetime | None = None,
) -> ExportResult:
    """Write ``tracks.geojson``, ``tracks.csv``, ``tracks.parquet`` (and ``tracks_map.png``).

    ``tracks`` is ``CatalogueStore.tracks_frame()``; only active, not hidden tracks are
    written (:func:`export_frame`). Every file is staged under a temp name in ``folder``
    and fsynced; only when all are written are they renamed into place. On error the
    previous files stay as they were and no temp file is left.
    """
    frame = export_frame(tracks)
    picture = render_map(frame, generated_at=generated_at) if with_map else None
    remove_stale_temp_files(folder)
    names = {"geojson": GEOJSON_NAME, "csv": CSV_NAME, "parquet": PARQUET_NAME}
    with staged_files(folder) as staged:
        staged.add(GEOJSON_NAME, lambda handle: write_geojson(frame, handle))
        staged.add(CSV_NAME, lambda handle: write_csv(frame, handle))
        staged.add(PARQUET_NAME, lambda handle: write_parquet(frame, handle))
        if picture is not None:
            staged.add(MAP_NAME, lambda handle: handle.write(picture.png))
            names["map"] = MAP_NAME
        staged.commit()
    files = {
        kind: ExportedFile(
            folder / name, (folder / name).stat().st_size, None if kind == "map" else len(frame)
        )
        for kind, name in names.items()
    }
    located = int(has_coordinates(frame).sum())
    return ExportResult(folder, len(frame), located, files, picture)
