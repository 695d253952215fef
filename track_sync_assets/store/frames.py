"""Tables as pandas DataFrames with nullable dtypes that follow the schema."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from track_sync_assets.store.schema import UtcDateTime


def read_frame(conn: Connection, statement: sa.Select[tuple[object, ...]]) -> pd.DataFrame:
    """Run ``statement``; integers become ``Int64``, booleans ``boolean``, floats ``Float64``,
    timestamps UTC ``datetime64`` (NULLs kept as ``<NA>``/``NaT``), text stays as read."""
    frame = pd.read_sql(statement, conn)
    for column in statement.selected_columns:
        name, type_ = column.name, column.type
        if name not in frame:
            continue
        if isinstance(type_, UtcDateTime):
            frame[name] = pd.to_datetime(frame[name], utc=True)
        elif isinstance(type_, sa.Boolean):
            frame[name] = frame[name].astype("boolean")
        elif isinstance(type_, sa.Integer):
            frame[name] = frame[name].astype("Int64")
        elif isinstance(type_, sa.Float):
            frame[name] = frame[name].astype("Float64")
    return frame
