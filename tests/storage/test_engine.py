"""Engines, sessions and their SQLite settings."""

import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.engine import make_engine, read_scope, session_scope, upgrade_database
from storage.queries import count_problems, get_or_create_resident
from tests.sqlite_faults import sqlite_read_only

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_sqlite_file_uses_wal_busy_timeout_and_foreign_keys(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_a_commit_survives_the_process_being_killed_right_after_it(sqlite_url):
    # synchronous=NORMAL under WAL: only a power cut or an OS crash may take a commit back.
    script = (
        "import os, signal\n"
        "from datetime import UTC, datetime\n"
        "from storage.engine import make_engine, session_scope, upgrade_database\n"
        "from storage.queries import get_or_create_resident\n"
        f"engine = make_engine({sqlite_url!r})\n"
        "upgrade_database(engine)\n"
        "with session_scope(engine) as session:\n"
        "    get_or_create_resident(session=session, pseudonym='p1', now=datetime.now(UTC))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, check=False, timeout=300)
    assert done.returncode == -signal.SIGKILL
    engine = make_engine(sqlite_url)
    with session_scope(engine) as session:
        assert session.connection().execute(text("SELECT count(*) FROM resident")).scalar() == 1
    engine.dispose()


def test_relative_sqlite_path_is_created_under_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "db").mkdir(parents=True)  # a missing directory is refused (issue 21)
    engine = make_engine("sqlite:///data/db/innspill.db")
    monkeypatch.chdir("/")  # a later chdir must not move the database
    upgrade_database(engine)
    engine.dispose()
    assert (tmp_path / "data" / "db" / "innspill.db").is_file()


def test_in_memory_sqlite_keeps_one_database_for_every_session():
    engine = make_engine("sqlite://")
    upgrade_database(engine)
    with session_scope(engine) as session:
        get_or_create_resident(session=session, pseudonym="p1", now=NOW)
    with session_scope(engine) as session:
        assert count_problems(session=session) == 0
        assert session.connection().execute(text("SELECT count(*) FROM resident")).scalar() == 1
    engine.dispose()


@pytest.mark.parametrize(
    "url", ["", "not a url", "mysql://user@127.0.0.1/innspill", "sqlite+nodriver:///x.db"]
)
def test_a_bad_url_names_the_setting(url):
    with pytest.raises(ValueError, match="DATABASE_URL"):
        make_engine(url)


def test_a_bad_url_error_hides_the_password():
    with pytest.raises(ValueError, match="DATABASE_URL") as error:
        make_engine("mysql://user:hunter2@127.0.0.1/innspill")
    assert "hunter2" not in str(error.value)


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_postgres_urls_use_psycopg(scheme):
    engine = make_engine(f"{scheme}://user@127.0.0.1:5432/innspill")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_session_scope_commits_and_keeps_objects_readable(database_url):
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        resident = get_or_create_resident(session=session, pseudonym="p1", now=NOW)
    assert resident.id is not None  # readable after commit: expire_on_commit=False
    assert resident.pseudonym == "p1"
    with session_scope(engine) as session:
        again = get_or_create_resident(session=session, pseudonym="p1", now=NOW)
    assert again.id == resident.id
    engine.dispose()


def test_session_scope_rolls_back_on_error(database_url):
    engine = make_engine(database_url)
    upgrade_database(engine)
    with pytest.raises(RuntimeError, match="boom"), session_scope(engine) as session:
        get_or_create_resident(session=session, pseudonym="p1", now=NOW)
        session.flush()
        raise RuntimeError("boom")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM resident")).scalar() == 0
    engine.dispose()


def test_a_connection_opened_while_sqlite_was_read_only_is_replaced_once_it_is_writable(
    sqlite_url,
):
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    engine.dispose()  # the next connection is opened while the file refuses writes
    with (
        sqlite_read_only(sqlite_url),
        pytest.raises(OperationalError, match="readonly"),
        session_scope(engine) as session,
    ):
        get_or_create_resident(session=session, pseudonym="p1", now=NOW)
    # The one pooled connection was opened read-only; a retry must still be able to write.
    with session_scope(engine) as session:
        get_or_create_resident(session=session, pseudonym="p1", now=NOW)
    with session_scope(engine) as session:
        assert session.connection().execute(text("SELECT count(*) FROM resident")).scalar() == 1
    engine.dispose()


def _write_at_once(path: str) -> bool:
    """Tell whether another connection can take SQLite's write lock without waiting."""
    writer = sqlite3.connect(path, timeout=0)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("ROLLBACK")
    except sqlite3.OperationalError:  # "database is locked"
        return False
    finally:
        writer.close()
    return True


def test_a_reading_transaction_never_holds_up_a_writer_on_sqlite(sqlite_url: str) -> None:
    # A staff page reads for a few hundred milliseconds; residents' answers must not wait.
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    path = sqlite_url.removeprefix("sqlite:///")
    try:
        with read_scope(engine) as session:
            assert count_problems(session=session) == 0
            assert _write_at_once(path)
        with session_scope(engine) as session:  # a writing transaction holds the lock
            assert count_problems(session=session) == 0
            assert not _write_at_once(path)
    finally:
        engine.dispose()


def test_a_staff_read_on_postgresql_sorts_in_memory_and_compiles_nothing(
    postgres_url: str,
) -> None:
    # A year of a million problems sorted by theme needs ~22 MB: the default 4 MB spills it to
    # disk. The settings hold for the read alone, not for writes on the same connection later.
    engine = make_engine(postgres_url)
    show = text("SELECT current_setting('work_mem'), current_setting('jit')")
    try:
        with read_scope(engine) as session:
            assert tuple(session.execute(show).one()) == ("64MB", "off")
        with session_scope(engine) as session:
            assert tuple(session.execute(show).one()) != ("64MB", "off")
    finally:
        engine.dispose()
