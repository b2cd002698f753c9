"""Consistent copies of a SQLite database with SQLite's online backup API, and their checks.

Copying the file of a live WAL database can miss committed pages still in the ``-wal`` file;
the backup API copies a consistent snapshot while the bot goes on writing.
"""

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.engine import MIGRATIONS_DIR, SQLITE_BUSY_TIMEOUT_MS
from storage.transfer import tables

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(RuntimeError):
    """A backup cannot be made, read or restored; the message names the file and why."""


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """What a checked backup holds: its schema revision and the rows of each table."""

    revision: str
    rows: dict[str, int]


def sqlite_file(url: str) -> Path | None:
    """Return the file of a SQLite DATABASE_URL, or None for PostgreSQL (or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()


def backup_sqlite(source: Path, target: Path) -> BackupInfo:
    """Write a consistent copy of the live database ``source`` to the new file ``target``."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    if not source.is_file():
        raise BackupError(f"{source} (DATABASE_URL) does not exist")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with _open(source, read_only=True) as live, _open(partial) as copy:
        live.backup(copy)  # one step: a single consistent snapshot
    info = check_backup(partial)
    partial.replace(target)
    return info


def check_backup(path: Path) -> BackupInfo:
    """Check that ``path`` is a whole Innspill database this code can use; describe it."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} is not a SQLite database")
    try:
        with _open(path, read_only=True) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            revision = _revision(db, path)
            present = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            rows = {
                table.name: _count(db, table.name) for table in tables() if table.name in present
            }
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read: {error}") from None
    return BackupInfo(revision, rows)


def restore_sqlite(backup: Path, target: Path) -> None:
    """Overwrite the database file ``target`` with the checked backup, page by page."""
    with _open(backup, read_only=True) as source, _open(target) as live:
        source.backup(live)


def _count(db: sqlite3.Connection, table: str) -> int:
    # The name comes from the models, never from input.
    return int(db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608


def _revision(db: sqlite3.Connection, path: Path) -> str:
    try:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupError(f"{path} is not an Innspill database (it has no schema revision)")
    revision = str(row[0])
    from alembic.script import ScriptDirectory  # here: `innspill run` must not load Alembic

    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if revision not in known:
        raise BackupError(
            f"{path} was made by a newer Innspill (schema {revision}): upgrade Innspill first"
        )
    return revision


@contextlib.contextmanager
def _open(path: Path, *, read_only: bool = False) -> Iterator[sqlite3.Connection]:
    uri = f"{path.resolve().as_uri()}?mode=ro" if read_only else path.resolve().as_uri()
    connection = sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        yield connection
    finally:
        connection.close()
