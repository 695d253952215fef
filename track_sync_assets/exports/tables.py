"""The active catalogue as an export table, and its GeoJSON, CSV and Parquet encodings."""

from __future__ import annotations

import io
import json
from typing import Any, BinaryIO

import pandas as pd

from track_sync_assets.domain import TRACK_FIELDS

EXPORT_COLUMNS: tuple[str, ...] = (
    "source",
    "slug",
    *TRACK_FIELDS,
    "first_seen_at",
    "last_seen_at",
    "updated_at",
    "dashboard_parsed_at",
)
"""What leaves the database, in this order: the key, every synced field (geocode precision
included) and when the track was first seen, last listed, last changed and last parsed."""

GEOMETRY_COLUMNS = ("longitude", "latitude")


def export_frame(tracks: pd.DataFrame) -> pd.DataFrame:
    """Active, not operator-hidden tracks with :data:`EXPORT_COLUMNS`, by slug key.

    ``tracks`` is ``CatalogueStore.tracks_frame()`` (dtypes kept: ``Int64``, ``boolean``,
    ``Float64``, UTC timestamps, text).
    """
    keep = pd.Series(True, index=tracks.index)
    if "is_active" in tracks:
        keep &= tracks["is_active"].fillna(False).astype(bool)
    if "operator_hidden" in tracks:
        keep &= ~tracks["operator_hidden"].fillna(False).astype(bool)
    rows = tracks[keep]
    if "slug_key" in rows:
        rows = rows.sort_values("slug_key", kind="stable")
    return rows.loc[:, list(EXPORT_COLUMNS)].reset_index(drop=True)


def has_coordinates(frame: pd.DataFrame) -> pd.Series:
    return frame["latitude"].notna() & frame["longitude"].notna()


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def geojson_collection(frame: pd.DataFrame) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection: one Point ``[longitude, latitude]`` per track
    (``null`` geometry without coordinates), every other column as a property."""
    names = [c for c in frame.columns if c not in GEOMETRY_COLUMNS]
    features = []
    for row in frame.astype(object).itertuples(index=False, name=None):
        values = dict(zip(frame.columns, row, strict=True))
        lon, lat = _json_value(values["longitude"]), _json_value(values["latitude"])
        geometry = None
        if lon is not None and lat is not None:
            geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]}
        features.append(
            {
                "type": "Feature",
                "id": values["slug"],
                "geometry": geometry,
                "properties": {name: _json_value(values[name]) for name in names},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def write_geojson(frame: pd.DataFrame, handle: BinaryIO) -> None:
    text = json.dumps(geojson_collection(frame), ensure_ascii=False, separators=(",", ":"))
    handle.write(text.encode("utf-8"))


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 text (``2026-03-01T06:00:00+00:00``), the rest unchanged."""
    out = frame.copy()
    for name in out.columns:
        if isinstance(out[name].dtype, pd.DatetimeTZDtype):
            out[name] = out[name].map(lambda t: None if pd.isna(t) else t.isoformat())
    return out


def write_csv(frame: pd.DataFrame, handle: BinaryIO) -> None:
    text = io.StringIO()
    csv_frame(frame).to_csv(text, index=False, lineterminator="\n")
    handle.write(text.getvalue().encode("utf-8"))


def write_parquet(frame: pd.DataFrame, handle: BinaryIO) -> None:
    """Parquet through pyarrow; pandas' schema metadata restores the nullable dtypes."""
    frame.to_parquet(handle, engine="pyarrow", index=False, compression="zstd")
