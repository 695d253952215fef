"""A PNG map of the catalogue: each track's position coloured by geocode precision.

Rendered with matplotlib's Agg backend over offline country outlines (no network), in a
plate carrée projection filling the whole picture, so a position maps to a known pixel.
"""

from __future__ import annotations

import io
import itertools
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from PIL import Image, ImageColor

from track_sync_assets.domain import GeocodePrecision
from track_sync_assets.exports.outlines import country_rings
from track_sync_assets.exports.tables import has_coordinates

WIDTH_PX, HEIGHT_PX, DPI = 1200, 600, 100
OCEAN, LAND, BORDER = "#dfeaf3", "#f7f5ef", "#9a9a9a"
UNKNOWN = "unknown"
PRECISION_COLOURS: dict[str, str] = {
    GeocodePrecision.STREET.value: "#009E73",
    GeocodePrecision.POSTAL.value: "#0072B2",
    GeocodePrecision.CITY.value: "#E69F00",
    GeocodePrecision.REGION.value: "#CC79A7",
    GeocodePrecision.COUNTRY.value: "#D55E00",
    UNKNOWN: "#444444",
}
"""Okabe-Ito colours (readable with colour-blindness), finest precision first."""


@dataclass(frozen=True)
class MapPicture:
    png: bytes
    plotted: int
    without_coordinates: int
    by_precision: dict[str, int]


def pixel_of(longitude: float, latitude: float) -> tuple[int, int]:
    """The ``(x, y)`` pixel of a position in the rendered PNG (origin top left)."""
    x = (longitude + 180.0) / 360.0 * WIDTH_PX
    y = (90.0 - latitude) / 180.0 * HEIGHT_PX
    return min(int(x), WIDTH_PX - 1), min(int(y), HEIGHT_PX - 1)


def render_map(frame: pd.DataFrame, *, generated_at: datetime | None = None) -> MapPicture:
    """Draw every track of ``frame`` (``latitude``, ``longitude``, ``geocode_precision``)."""
    located = frame[has_coordinates(frame)]
    precision = (
        located["geocode_precision"]
        .astype(object)
        .where(located["geocode_precision"].isin(list(PRECISION_COLOURS)), UNKNOWN)
    )
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=OCEAN)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(-180, 180)
    ax.set_ylim(-90, 90)
    ax.add_collection(
        PolyCollection(
            list(country_rings()), facecolor=LAND, edgecolor=BORDER, linewidth=0.35, zorder=1
        )
    )
    counts: dict[str, int] = {}
    for name in PRECISION_COLOURS:  # finest first: the rarer, coarser ones stay visible on top
        rows = located[precision == name]
        counts[name] = len(rows)
        if rows.empty:
            continue
        ax.scatter(
            rows["longitude"].astype(float),
            rows["latitude"].astype(float),
            s=14,
            c=PRECISION_COLOURS[name],
            edgecolors="#1a1a1a",
            linewidths=0.3,
            zorder=2,
            label=f"{name} ({len(rows):,})",
        )
    missing = len(frame) - len(located)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        legend = ax.legend(
            handles,
            labels,
            title="geocode precision",
            loc="lower left",
            fontsize=10,
            title_fontsize=10,
            framealpha=0.9,
            markerscale=1.6,
        )
        legend.set_zorder(3)
    when = f" · {generated_at:%Y-%m-%d %H:%M} UTC" if generated_at else ""
    ax.text(
        0.01,
        0.985,
        f"{len(frame):,} active tracks · {len(located):,} on the map · "
        f"{missing:,} without coordinates{when}",
        transform=ax.transAxes,
        va="top",
        fontsize=11,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": BORDER},
        zorder=3,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor=OCEAN)
    by_precision = {name: counts.get(name, 0) for name in PRECISION_COLOURS}
    return MapPicture(_paletted(buffer.getvalue()), len(located), missing, by_precision)


def _palette() -> Image.Image:
    """The map's own colours exactly, then greys and a colour cube for anti-aliasing."""
    keys = [OCEAN, LAND, BORDER, "#000000", "#ffffff", "#1a1a1a", *PRECISION_COLOURS.values()]
    colours = [ImageColor.getrgb(key)[:3] for key in keys]
    colours += [(v, v, v) for v in range(8, 256, 8)]
    colours += list(itertools.product(range(0, 256, 51), repeat=3))
    unique = list(dict.fromkeys(colours))[:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for rgb in unique for channel in rgb])
    return palette


def _paletted(png: bytes) -> bytes:
    """The PNG with a 256-colour palette: about a quarter of the size, the map's colours
    kept exactly (it is inlined in the UI's metadata on every materialization)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(palette=_palette(), dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class MapEmbed:
    path: Path
    markdown: str


def map_embed(map_path: Path, report_path: Path, *, alt: str = "Map of active tracks") -> MapEmbed:
    """The map's path and a Markdown image link to it relative to the report's folder."""
    relative = os.path.relpath(map_path.resolve(), report_path.resolve().parent)
    return MapEmbed(map_path, f"![{alt}]({Path(relative).as_posix()})")
