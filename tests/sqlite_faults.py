"""Real SQLite faults for tests: a database file that refuses writes for a while."""

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def sqlite_read_only(database_url: str) -> Iterator[None]:
    """Make the database file and its write-ahead log refuse writes, as a read-only remount does.

    Tests run as root, so chmod stops nothing, and a file system with the database open for
    writing cannot be remounted read-only (EBUSY). The immutable flag (chattr +i) refuses
    root's writes too. SQLite meets it as it meets a remount (EPERM instead of EROFS): a write
    through a connection already open fails with "disk I/O error", and a connection opened
    meanwhile falls back to read-only, "attempt to write a readonly database" (SQLITE_READONLY),
    and stays read-only after the file is writable again. The shared-memory index (-shm) stays
    writable: SQLite maps it into memory, and writing to an immutable mapping kills the
    process (SIGBUS); on a real remount SQLite would open it read-only instead.
    """
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("chattr is not installed")
    database = Path(database_url.removeprefix("sqlite:///"))
    files = [str(f) for f in (database, database.with_name(f"{database.name}-wal")) if f.exists()]
    done = subprocess.run([chattr, "+i", *files], capture_output=True, text=True, check=False)
    if done.returncode != 0:  # not root, or a file system without the flag (tmpfs)
        pytest.skip(f"cannot make the database immutable here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", *files], check=True)


def write_error(database_url: str) -> str:
    """Try a write through a new connection; return SQLite's error name, "" if it worked."""
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("CREATE TABLE probe (x INTEGER)")
        connection.execute("ROLLBACK")
        return ""
    except sqlite3.Error as error:
        return str(getattr(error, "sqlite_errorname", type(error).__name__))
    finally:
        connection.close()
