"""Copy every row from one database to another (SQLite ↔ PostgreSQL), and prove it arrived.

The copy goes table by table in foreign-key order, through the models' column types, so a
timestamp or a JSON value reads back the same on either side. ``fingerprint`` counts and hashes
each table in a form that does not depend on the database, so source and copy can be compared.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Integer, Table, func, inspect, select, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401 - registers every table on SQLModel.metadata
from storage.engine import WEEK_SUM_TABLES, current_revision, head_revision, upgrade_database

BATCH = 1000
ALEMBIC_TABLE = "alembic_version"
DATA_TABLES = frozenset({"resident", "problem", "staff", "workshop"})


class TransferError(RuntimeError):
    """The copy cannot be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class TableDigest:
    """How many rows a table holds and a hash of their contents."""

    rows: int
    sha256: str


def tables() -> list[Table]:
    """Return every table of the models, parents before children."""
    return list(SQLModel.metadata.sorted_tables)


def fingerprint(engine: Engine) -> dict[str, TableDigest]:
    """Count and hash every table's rows, ordered by primary key, independent of the database."""
    found = {}
    with engine.connect() as connection:
        for table in tables():
            digest = hashlib.sha256()
            count = 0
            for row in _rows(connection, table):
                digest.update(json.dumps(row, sort_keys=True, default=_plain).encode())
                count += 1
            found[table.name] = TableDigest(count, digest.hexdigest())
    return found


def held_data(engine: Engine) -> int:
    """Count residents, problems, staff and workshops (0: nothing a restore would lose).

    Other rows (the theme model's seed, update ids) are bookkeeping that a copy replaces.
    """
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables()
            if table.name in DATA_TABLES and table.name in present
        )


def copy_database(source: Engine, target: Engine, *, replace: bool = False) -> int:
    """Copy every row of ``source`` into ``target`` (migrated first); return the rows copied.

    The target must hold no data unless ``replace``. Its rows are deleted in the same
    transaction as the copy: a failed copy leaves the target as it was.
    """
    _check_schemas(source, target)
    upgrade_database(target)
    if not replace and held_data(target):
        raise TransferError("the target database already holds data; use an empty one")
    copied = 0
    with source.connect() as reading, target.begin() as writing:
        for table in reversed(tables()):
            writing.execute(table.delete())
        for table in tables():
            batch: list[dict[str, Any]] = []
            for row in _rows(reading, table):
                batch.append(row)
                if len(batch) >= BATCH:
                    copied += _insert(writing, table, batch)
            copied += _insert(writing, table, batch)
        if writing.dialect.name == "postgresql":
            _advance_sequences(writing)
    return copied


def _check_schemas(source: Engine, target: Engine) -> None:
    head = head_revision()
    revision = current_revision(source)
    if revision != head:
        raise TransferError(
            f"the source database is at schema {revision or 'nothing'}, this Innspill "
            f"needs {head}: run `innspill db upgrade` on it first"
        )
    known = {table.name for table in tables()} | {ALEMBIC_TABLE} | WEEK_SUM_TABLES
    unknown = sorted(set(inspect(source).get_table_names()) - known)
    if unknown:
        raise TransferError(f"the source has tables this Innspill does not know: {unknown}")
    if source.url == target.url:
        raise TransferError("the source and the target are the same database")


def _rows(connection: Connection, table: Table) -> Iterator[dict[str, Any]]:
    query = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(query).mappings():
        yield dict(row)


def _insert(connection: Connection, table: Table, batch: list[dict[str, Any]]) -> int:
    if not batch:
        return 0
    connection.execute(table.insert(), batch)
    count = len(batch)
    batch.clear()
    return count


def _advance_sequences(connection: Connection) -> None:
    """Move each id sequence past the copied ids, so new rows get fresh ones."""
    for table in tables():
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or not isinstance(columns[0].type, Integer):
            continue
        name = columns[0].name
        sequence = connection.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": name},
        ).scalar()
        if sequence is not None:
            top = connection.execute(select(func.max(columns[0]))).scalar()
            connection.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": top or 1, "called": top is not None},
            )


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)
