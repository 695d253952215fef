"""GeoJSON, CSV and Parquet exports of the seeded catalogue (real files, real databases)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from geojson_pydantic import FeatureCollection
from pydantic import ValidationError

from track_sync_assets.exports import EXPORT_COLUMNS, export_frame, write_exports
from track_sync_tests.exports.seed import DEACTIVATED, EXPORTED, HIDDEN, SEEDED, seeded_frame


def test_the_geojson_is_an_rfc7946_feature_collection_of_the_active_tracks(
    tracks_frame: pd.DataFrame, tmp_path: Path
) -> None:
    result = write_exports(tracks_frame, tmp_path, with_map=False)
    text = (tmp_path / "tracks.geojson").read_text(encoding="utf-8")
    collection = FeatureCollection.model_validate_json(text)  # geojson-pydantic
    data = json.loads(text)
    assert "crs" not in data and data["type"] == "FeatureCollection"
    assert [f.id for f in collection.features] == sorted(EXPORTED)
    assert result.rows == len(EXPORTED) and result.with_coordinates == len(EXPORTED) - 1
    by_slug = {f["id"]: f for f in data["features"]}
    assert DEACTIVATED.slug not in by_slug and HIDDEN.slug not in by_slug
    # RFC 7946 §3.1.1: longitude first. Lucama, NC is at 35.64 N, 77.96 W.
    assert by_slug["lucama"]["geometry"] == {"type": "Point", "coordinates": [-77.96, 35.64]}
    assert by_slug["nowhere"]["geometry"] is None
    properties = by_slug["lucama"]["properties"]
    assert set(properties) == set(EXPORT_COLUMNS) - {"latitude", "longitude"}
    assert properties["geocode_precision"] == "street"
    assert properties["total_laps"] == 230_327 and properties["is_live"] is False
    assert properties["first_seen_at"] == "2026-03-01T06:00:00+00:00"
    assert by_slug["nowhere"]["properties"]["geocode_precision"] is None


def test_the_validator_rejects_a_broken_collection() -> None:
    broken = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1]}}],
    }
    with pytest.raises(ValidationError):
        FeatureCollection.model_validate(broken)


DIALECTS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_parquet_file_round_trips_to_the_export_frame(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    tracks = seeded_frame(request.getfixturevalue(f"{dialect}_url"))
    write_exports(tracks, tmp_path / "out", with_map=False)
    path = tmp_path / "out" / "tracks.parquet"
    expected = export_frame(tracks)
    pd.testing.assert_frame_equal(pd.read_parquet(path), expected)
    # The dtypes a reader gets: nullable integers, booleans and floats, UTC timestamps.
    read = pd.read_parquet(path)
    assert str(read["total_laps"].dtype) == "Int64"
    assert str(read["is_live"].dtype) == "boolean"
    assert str(read["latitude"].dtype) == "Float64"
    assert isinstance(read["first_seen_at"].dtype, pd.DatetimeTZDtype)
    assert str(read["first_seen_at"].dt.tz) == "UTC"
    schema = pq.read_schema(path)
    assert schema.field("total_laps").type == pa.int64()
    assert schema.field("latitude").type == pa.float64()
    assert schema.field("is_live").type == pa.bool_()
    assert schema.field("first_seen_at").type.tz == "UTC"
    assert pa.types.is_string(schema.field("slug").type) or pa.types.is_large_string(
        schema.field("slug").type
    )
    assert read.loc[read["slug"] == "lucama", ["latitude", "longitude"]].iloc[0].tolist() == [
        35.64,
        -77.96,
    ]


def test_the_csv_file_reads_back_with_every_column_and_iso_timestamps(
    tracks_frame: pd.DataFrame, tmp_path: Path
) -> None:
    write_exports(tracks_frame, tmp_path, with_map=False)
    path = tmp_path / "tracks.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["slug"] for r in rows] == sorted(EXPORTED)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    lucama = next(r for r in rows if r["slug"] == "lucama")
    assert (lucama["latitude"], lucama["longitude"]) == ("35.64", "-77.96")
    assert lucama["description"] == "Outdoor off-road track.\nOpen Saturdays."  # quoted newline
    frame = pd.read_csv(path)
    assert len(frame) == len(EXPORTED)
    assert pd.to_datetime(frame["first_seen_at"], utc=True).min() == pd.Timestamp(
        "2026-03-01T06:00:00Z"
    )
    assert frame.loc[frame["slug"] == "nowhere", "latitude"].isna().all()


def test_every_precision_of_the_seed_is_exported(tracks_frame: pd.DataFrame) -> None:
    frame = export_frame(tracks_frame)
    expected = {s.slug: (s.precision.value if s.precision else None) for s in SEEDED}
    got = {
        slug: (None if pd.isna(p) else p)
        for slug, p in zip(frame["slug"], frame["geocode_precision"], strict=True)
    }
    assert got == expected
