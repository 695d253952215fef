"""A small catalogue with tracks at known positions, one per geocode precision."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from track_sync_assets.domain import Geocode, GeocodePrecision
from track_sync_assets.store import CatalogueStore
from track_sync_assets.store.schema import tracks
from track_sync_tests.store.store_factories import day, fetched, listing


@dataclass(frozen=True)
class Seeded:
    slug: str
    latitude: float | None
    longitude: float | None
    precision: GeocodePrecision | None


SEEDED: tuple[Seeded, ...] = (
    Seeded("lucama", 35.64, -77.96, GeocodePrecision.STREET),  # North Carolina
    Seeded("brisbane", -27.47, 153.03, GeocodePrecision.POSTAL),
    Seeded("munich", 48.14, 11.58, GeocodePrecision.CITY),
    Seeded("saopaulo", -23.55, -46.63, GeocodePrecision.REGION),
    Seeded("kenya", 0.2, 37.9, GeocodePrecision.COUNTRY),
    Seeded("nowhere", None, None, None),  # not found: no coordinates
)
DEACTIVATED = Seeded("closed", 51.5, -0.12, GeocodePrecision.CITY)
HIDDEN = Seeded("secret", 40.4, -3.7, GeocodePrecision.CITY)
EXPORTED = tuple(s.slug for s in SEEDED)


def seed_catalogue(store: CatalogueStore) -> None:
    """Sync :data:`SEEDED`, :data:`DEACTIVATED` and :data:`HIDDEN`; then the deactivated
    track leaves the list and the hidden one is hidden by an operator."""
    every = (*SEEDED, DEACTIVATED, HIDDEN)
    geocodes = {
        s.slug: Geocode(s.latitude, s.longitude, s.precision, geocoder="offline") for s in every
    }
    first = [listing(s.slug) for s in every]
    boards = {s.slug: fetched(s.slug, day(0)) for s in every}
    store.apply_sync("seed-1", first, boards, geocodes, now=day(0))
    kept = [listing(s.slug) for s in every if s is not DEACTIVATED]
    store.apply_sync("seed-2", kept, {}, {}, now=day(1))
    with store.engine.begin() as conn:
        conn.execute(
            sa.update(tracks).where(tracks.c.slug_key == HIDDEN.slug).values(operator_hidden=True)
        )


def seeded_frame(url: str) -> pd.DataFrame:
    """``tracks_frame(active_only=True)`` of a freshly seeded catalogue at ``url``."""
    with CatalogueStore(url, lock_timeout_s=10) as store:
        seed_catalogue(store)
        return store.tracks_frame(active_only=True)
