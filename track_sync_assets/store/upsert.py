"""Bulk writes: ``INSERT ... ON CONFLICT DO UPDATE`` in batches, on SQLite and PostgreSQL.

Every value travels as a bound parameter (scraped text is data, never SQL). Rows are
de-duplicated on their key before batching (PostgreSQL rejects a statement that touches
the same key twice) and must all carry the same columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from track_sync_assets.store.schema import as_utc

DEFAULT_BATCH_SIZE = 2000
IN_LIST_CHUNK = 5000
"""Keys per ``IN (...)`` list: below SQLite's 32,766 bound parameters."""

T = TypeVar("T")
Row = Mapping[str, Any]


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, got {size}")
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(conn: Connection, table: sa.Table) -> Insert:
    """The dialect's INSERT construct (the one that knows ``ON CONFLICT``)."""
    name = conn.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"the catalogue supports SQLite and PostgreSQL, not {name}")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    raise TypeError(f"cannot store a {type(value).__name__} value: {value!r}")


@dataclass(frozen=True, slots=True)
class BulkStatement:
    """An INSERT for many rows, and how one batch of rows is bound to it.

    SQLite: an executemany of the statement (one prepared statement, C loop).
    PostgreSQL: ``INSERT ... SELECT * FROM json_populate_recordset(NULL::table, :rows)``:
    the whole batch is ONE bound parameter (a JSON array of rows), converted to the
    columns' types by the server. psycopg2 would otherwise send an upsert executemany one
    row per round trip (SQLAlchemy 2.1 does not batch ``ON CONFLICT`` inserts).
    """

    statement: Insert
    columns: tuple[str, ...]
    as_json: bool

    def parameters(self, batch: Sequence[Row]) -> Any:
        if not self.as_json:
            return list(batch)
        document = json.dumps(
            list(batch), default=_json_default, ensure_ascii=False, allow_nan=False
        )
        return {"rows": document}


def bulk_insert(conn: Connection, table: sa.Table, columns: Sequence[str]) -> BulkStatement:
    """A dialect INSERT of ``columns`` to which an ON CONFLICT clause may be added."""
    if conn.dialect.name != "postgresql":
        return BulkStatement(dialect_insert(conn, table), tuple(columns), as_json=False)
    row_type = sa.literal_column(f"NULL::{conn.dialect.identifier_preparer.format_table(table)}")
    records = sa.func.json_populate_recordset(
        row_type, sa.bindparam("rows", type_=sa.Text)
    ).table_valued(*(table.c[name] for name in columns))
    select = sa.select(*(records.c[name] for name in columns))
    return BulkStatement(
        postgresql.insert(table).from_select(list(columns), select), tuple(columns), as_json=True
    )


def with_conflict_update(
    bulk: BulkStatement,
    *,
    key_columns: Sequence[str],
    update_columns: Sequence[str],
    only_if: Any = None,
) -> BulkStatement:
    """Add ``ON CONFLICT (key) DO UPDATE SET`` ``update_columns`` (and only those).

    ``only_if`` is an optional callable ``(table, excluded) -> condition`` that must hold
    for an existing row to be updated.
    """
    statement: Any = bulk.statement
    if not update_columns:
        statement = statement.on_conflict_do_nothing(index_elements=list(key_columns))
    else:
        excluded = statement.excluded
        statement = statement.on_conflict_do_update(
            index_elements=list(key_columns),
            set_={name: excluded[name] for name in update_columns},
            where=None if only_if is None else only_if(statement.table, excluded),
        )
    return BulkStatement(statement, bulk.columns, bulk.as_json)


def dedupe_by_key(rows: Iterable[Row], key_columns: Sequence[str]) -> list[Row]:
    """One row per key, the last one given winning, in first-seen key order."""
    latest: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        latest[tuple(row[name] for name in key_columns)] = row
    return list(latest.values())


def _same_columns(rows: Sequence[Row]) -> tuple[str, ...]:
    """The rows' shared column set; rows that differ are a programming error.

    A batch whose rows carry different columns is how the previous system wiped stored
    metadata (a missing key silently written as NULL): refuse it.
    """
    columns = rows[0].keys()
    for row in rows:
        if row.keys() != columns:
            missing = sorted(set(columns) ^ set(row.keys()))
            raise ValueError(f"rows of one bulk write must carry the same columns: {missing}")
    return tuple(columns)


def execute_batch(conn: Connection, bulk: BulkStatement, rows: Sequence[Row]) -> None:
    """Write one batch of rows with ``bulk``."""
    conn.execute(bulk.statement, bulk.parameters(rows))


def upsert_rows(
    conn: Connection,
    table: sa.Table,
    rows: Iterable[Row],
    *,
    key_columns: Sequence[str],
    update_columns: Sequence[str],
    batch_size: int = DEFAULT_BATCH_SIZE,
    only_if: Any = None,
) -> int:
    """Upsert ``rows`` (all with the same columns) in batches; returns the number of rows.

    Rows are de-duplicated on ``key_columns`` first (the last one wins).
    """
    unique = dedupe_by_key(rows, key_columns)
    if not unique:
        return 0
    bulk = with_conflict_update(
        bulk_insert(conn, table, _same_columns(unique)),
        key_columns=key_columns,
        update_columns=update_columns,
        only_if=only_if,
    )
    for batch in chunked(unique, batch_size):
        execute_batch(conn, bulk, batch)
    return len(unique)


def insert_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Row],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> int:
    """Plain INSERT of ``rows`` (all with the same columns) in batches; returns how many."""
    if not rows:
        return 0
    bulk = bulk_insert(conn, table, _same_columns(rows))
    for batch in chunked(rows, batch_size):
        execute_batch(conn, bulk, batch)
    return len(rows)


def update_where_in(
    conn: Connection,
    statement: sa.Update,
    column: sa.ColumnElement[Any],
    keys: Sequence[Any],
) -> int:
    """Run ``statement`` (an UPDATE with its values) for rows whose ``column`` is in ``keys``.

    The keys go in ``IN`` lists of bound parameters, a few thousand at a time.
    """
    updated = 0
    for chunk in chunked(keys, IN_LIST_CHUNK):
        updated += conn.execute(statement.where(column.in_(chunk))).rowcount
    return updated


def select_where_in(
    conn: Connection,
    statement: sa.Select[Any],
    column: sa.ColumnElement[Any],
    keys: Sequence[Any],
) -> list[sa.RowMapping]:
    """Rows of ``statement`` whose ``column`` is in ``keys`` (chunked ``IN`` lists)."""
    found: list[sa.RowMapping] = []
    for chunk in chunked(keys, IN_LIST_CHUNK):
        found.extend(conn.execute(statement.where(column.in_(chunk))).mappings())
    return found
