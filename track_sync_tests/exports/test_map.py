"""The map picture: rendered offline, 1200x600, each track drawn in its precision's colour."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import colors
from matplotlib import image as mpimg

from track_sync_assets.exports import PRECISION_COLOURS, map_embed, pixel_of, render_map
from track_sync_assets.exports.map import LAND, OCEAN
from track_sync_assets.exports.outlines import country_rings
from track_sync_assets.exports.tables import export_frame
from track_sync_tests.exports.seed import SEEDED


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test (the machine is offline too)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access during render: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    country_rings.cache_clear()  # load the outlines again, under the guard


def pixels(png: bytes) -> np.ndarray:
    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


def near(image: np.ndarray, x: int, y: int, colour: str, radius: int = 2) -> bool:
    """Is ``colour`` (within 2 %) among the pixels around ``(x, y)``?"""
    patch = image[max(y - radius, 0) : y + radius + 1, max(x - radius, 0) : x + radius + 1]
    return bool((np.abs(patch - np.array(colors.to_rgb(colour))).max(axis=-1) < 0.02).any())


def test_the_map_renders_offline_with_each_track_in_its_precision_colour(
    tracks_frame: pd.DataFrame, no_network: None
) -> None:
    picture = render_map(export_frame(tracks_frame))
    image = pixels(picture.png)
    assert image.shape == (600, 1200, 3)
    assert picture.plotted == 5 and picture.without_coordinates == 1
    assert picture.by_precision == {
        "street": 1,
        "postal": 1,
        "city": 1,
        "region": 1,
        "country": 1,
        "unknown": 0,
    }
    for track in SEEDED:
        if track.latitude is None:
            continue
        x, y = pixel_of(track.longitude, track.latitude)
        assert near(image, x, y, PRECISION_COLOURS[track.precision.value]), track.slug
    # Ocean in the mid-Pacific, land (an outline was drawn) in Siberia.
    assert near(image, *pixel_of(-140.0, 5.0), OCEAN, radius=0)
    assert near(image, *pixel_of(100.0, 62.0), LAND, radius=0)


def test_an_empty_catalogue_draws_no_track(tracks_frame: pd.DataFrame) -> None:
    image = pixels(render_map(export_frame(tracks_frame).iloc[0:0]).png)
    lucama = next(t for t in SEEDED if t.slug == "lucama")
    x, y = pixel_of(lucama.longitude, lucama.latitude)
    assert not near(image, x, y, PRECISION_COLOURS["street"])
    assert image.shape == (600, 1200, 3)


def test_coordinates_without_a_known_precision_are_drawn_as_unknown() -> None:
    frame = pd.DataFrame(
        {
            "latitude": pd.array([-33.9], dtype="Float64"),
            "longitude": pd.array([18.4], dtype="Float64"),
            "geocode_precision": pd.array([None], dtype="str"),
        }
    )
    picture = render_map(frame)
    assert picture.by_precision["unknown"] == 1
    assert near(pixels(picture.png), *pixel_of(18.4, -33.9), PRECISION_COLOURS["unknown"])


def test_the_outlines_cover_every_continent() -> None:
    rings = country_rings()
    points = np.concatenate(rings)
    assert len(rings) > 1000
    assert points[:, 0].min() <= -179 and points[:, 0].max() >= 179
    assert points[:, 1].min() <= -80 and points[:, 1].max() >= 80


def test_the_report_gets_a_relative_image_link(tmp_path: Path) -> None:
    png = tmp_path / "dagster_home" / "exports" / "tracks_map.png"
    report = tmp_path / "docs" / "reports" / "track-sync-2026-03-01-06-00-00.md"
    embed = map_embed(png, report)
    assert embed.path == png
    assert embed.markdown == "![Map of active tracks](../../dagster_home/exports/tracks_map.png)"
