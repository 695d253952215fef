"""The geocode cache: one answer per normalized address (``Address.normalized_key()``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.domain import Geocode, GeocodePrecision
from track_sync_assets.store.schema import as_utc, geocode_cache
from track_sync_assets.store.upsert import select_where_in, upsert_rows

_KEY = ("address_key",)
_VALUE_COLUMNS = (
    "latitude",
    "longitude",
    "precision",
    "geocoder",
    "rejected_reason",
    "geocoded_at",
)


def _row(key: str, geocode: Geocode, geocoded_at: datetime) -> dict[str, Any]:
    return {
        "address_key": key,
        "latitude": geocode.latitude,
        "longitude": geocode.longitude,
        "precision": GeocodePrecision(geocode.precision).value if geocode.precision else None,
        "geocoder": geocode.geocoder,
        "rejected_reason": geocode.rejected_reason,
        "geocoded_at": geocoded_at,
    }


def put_geocodes(
    conn: Connection,
    mapping: Mapping[str, Geocode],
    *,
    geocoded_at: datetime | None = None,
    batch_size: int,
) -> int:
    """Store (or replace) the answers for these address keys; returns how many."""
    when = as_utc(geocoded_at) if geocoded_at else datetime.now(UTC)
    rows = [_row(key, geocode, when) for key, geocode in mapping.items()]
    return upsert_rows(
        conn,
        geocode_cache,
        rows,
        key_columns=_KEY,
        update_columns=_VALUE_COLUMNS,
        batch_size=batch_size,
    )


def get_geocodes(conn: Connection, keys: Iterable[str]) -> dict[str, Geocode]:
    """Cached answers by address key (keys never geocoded are absent)."""
    wanted = sorted(set(keys))
    rows = select_where_in(conn, sa.select(geocode_cache), geocode_cache.c.address_key, wanted)
    return {
        row["address_key"]: Geocode(
            latitude=row["latitude"],
            longitude=row["longitude"],
            precision=GeocodePrecision(row["precision"]) if row["precision"] else None,
            geocoder=row["geocoder"],
            rejected_reason=row["rejected_reason"],
        )
        for row in rows
    }
