"""Engines, sessions and migrations for SQLite files and PostgreSQL."""

import functools
import os
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from storage.errors import DatabaseUrlError
from storage.indexed import HintedCompiler

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic (11 MiB) is imported only to migrate: a process whose database is already at the
# newest schema (every start but the first after an upgrade) never loads it.

MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
# PostgreSQL's weekly sums of the problems (migration 0022), kept by its triggers: no model
# describes them, and a transfer copies the problems they are counted from, not them.
WEEK_SUM_TABLES: Final = frozenset({"theme_week", "theme_week_group", "segment_week"})
SQLITE_BUSY_TIMEOUT_MS: Final = 10_000
_SQLITE_READONLY: Final = 8  # the primary result code of "attempt to write a readonly database"
# Any constant works: it only has to be the same in every process that migrates this database.
_MIGRATION_LOCK_KEY: Final = 0x1A5E_0001
# One transaction at a time per SQLite engine, queued here: SQLite's own busy handler would make
# a waiting thread sleep in steps of up to 100 ms after the lock is free (tens of ms of latency
# per update with 40 residents at once). Other processes still wait in busy_timeout.
_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.RLock]" = weakref.WeakKeyDictionary()


READ_ONLY = "innspill_read_only"  # execution option: a transaction that only reads
SNAPSHOT_ISOLATION: Final = "REPEATABLE READ"  # a staff read on PostgreSQL
# A staff page may sort a year of problems: PostgreSQL's default 4 MB spills that to disk
# (22 MB at a million problems), and compiling the statements (JIT, 12-19 ms each) costs more
# than it saves on them. Only for the read's own transaction (is_local, as SET LOCAL), in one
# round trip.
READ_SETTINGS_PG: Final = (
    "SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"
)


def make_engine(url: str) -> Engine:
    """Create an engine for DATABASE_URL (a SQLite file or PostgreSQL)."""
    parsed = _parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        # The pid in application_name tells operators (and tests) which process holds what.
        connect_args = {"application_name": f"innspill:{os.getpid()}"}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise DatabaseUrlError(f"DATABASE_URL: {shown!r} cannot be used: {exc}") from None


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The message would repeat the URL, password and all.
        raise DatabaseUrlError(
            "DATABASE_URL: not a database URL; use sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/dbname"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        # psycopg (3) is what we install; SQLAlchemy's default for a bare URL is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        shown = parsed.render_as_string(hide_password=True)
        raise DatabaseUrlError(
            f"DATABASE_URL: {shown!r} is not supported; use sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/dbname"
        )
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def _sqlite_engine(url: URL) -> Engine:
    if _is_memory(url):
        # One shared connection, so every session sees the same database (tests only).
        engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
    else:
        if not url.query.get("uri"):
            path = Path(url.database or "").expanduser().resolve()
            _check_sqlite_path(path)
            # Absolute, so a later chdir cannot point the engine at another file.
            url = url.set(database=str(path))
        engine = create_engine(url)
    engine.dialect.statement_compiler = HintedCompiler  # INDEXED BY (storage/indexed.py)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    event.listen(engine, "handle_error", _on_sqlite_error)
    _WRITERS[engine] = threading.RLock()
    return engine


def _check_sqlite_path(path: Path) -> None:
    """Refuse a path that is a directory, lies under a file, or whose directory is missing."""
    if path.is_dir():
        raise DatabaseUrlError(f"DATABASE_URL: {path} is a directory; name a file in it")
    above = next((p for p in path.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        raise DatabaseUrlError(f"DATABASE_URL: {path} lies under {above}, which is a file")
    if not path.parent.is_dir():
        # A typo'd directory must not quietly become a new, empty database.
        raise DatabaseUrlError(
            f"DATABASE_URL: directory {path.parent} does not exist; create it or fix the URL"
        )


def connection_problem(engine: Engine, error: OperationalError) -> DatabaseUrlError:
    """Turn a failed connection into one line naming DATABASE_URL (password hidden)."""
    shown = engine.url.render_as_string(hide_password=True)
    lines = str(error.orig or error).strip().splitlines()
    reason = lines[0] if lines else type(error).__name__
    return DatabaseUrlError(
        f"DATABASE_URL: cannot open {shown}: {reason}; start the database or fix the URL"
    )


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the sqlite3 module; _on_sqlite_begin emits it (SQLAlchemy's recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # Under WAL, NORMAL syncs at checkpoints, not at every commit (3.2 ms each on our
        # disks, with the write lock held): a commit still survives the bot being killed at any
        # moment; only a power cut or an OS crash may take the last commits back (README).
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, so erased text leaves no trace in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        # The workspace groups a year of problems: sort in memory, not in temporary files.
        cursor.execute("PRAGMA temp_store=MEMORY")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    # Take the write lock up front: a writer then waits in busy_timeout instead of failing
    # with "database is locked" when it upgrades a read lock mid-transaction. A read-only
    # transaction (``read_scope``) takes no lock: under WAL it neither waits for writers nor
    # holds them up.
    reading = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _on_sqlite_error(context: ExceptionContext) -> None:
    # A connection opened while the file could not be written (a read-only remount, an
    # immutable file) was opened read-only by SQLite, and stays so when the file is writable
    # again. Treat its error as a lost connection: SQLAlchemy discards it and the pool's other
    # connections, so the caller's retry (the error is still transient) reconnects writable.
    code = getattr(context.original_exception, "sqlite_errorcode", None)  # not on every error
    if isinstance(code, int) and code & 0xFF == _SQLITE_READONLY:
        context.is_disconnect = True


def checkpoint(engine: Engine) -> None:
    """Copy the SQLite write-ahead log into the database file and empty it (no-op elsewhere)."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        # Through the driver: a checkpoint cannot run inside SQLAlchemy's BEGIN IMMEDIATE.
        driver: Any = connection.connection.driver_connection
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Run one transaction: commit on success, roll back on error."""
    with (
        _one_writer(engine),
        Session(engine, expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session


@contextmanager
def _one_writer(engine: Engine) -> Iterator[None]:
    """Wait for this process's other SQLite transactions; after busy_timeout, go on anyway."""
    writer = _WRITERS.get(engine)
    # Held past the timeout (another process holds SQLite's lock): SQLite's own wait decides.
    held = writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) if writer else False
    try:
        yield
    finally:
        if held and writer is not None:
            writer.release()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """Run one transaction that only reads: on SQLite it never blocks or waits for a writer.

    A write inside it fails on SQLite ("database is locked" at worst): use ``session_scope``
    for anything that changes data.
    """
    reader = engine.execution_options(**{READ_ONLY: True})
    if engine.dialect.name == "postgresql":
        # One snapshot for every statement, as SQLite's read transaction has: a page's figures
        # add up, and ``storage.together`` can hand the snapshot to more connections.
        reader = reader.execution_options(isolation_level=SNAPSHOT_ISOLATION)
    with Session(reader, expire_on_commit=False) as session, session.begin():
        if engine.dialect.name == "postgresql":
            session.execute(text(READ_SETTINGS_PG))
        yield session


def alembic_config(connection: Connection) -> "Config":
    """Build the Alembic configuration that migrates through ``connection``."""
    from alembic.config import Config  # only to migrate (see the top)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def for_dialect(dialect: str) -> Callable[..., bool]:
    """Return Alembic's ``include_object`` that leaves out what only another database builds."""

    def include(obj: Any, name: Any, kind: str, _reflected: bool, _compare_to: Any) -> bool:
        if kind == "table" and name in WEEK_SUM_TABLES:
            return False
        # An index kept to one database with ``ddl_if(dialect=...)``; Alembic ignores ddl_if.
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    return include


_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=([^\n]*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@functools.cache
def head_revision() -> str:
    """Return the newest migration revision shipped with the code.

    Read from the migration files' ``revision`` and ``down_revision`` lines, without Alembic;
    anything unusual (no head, several) is left to Alembic to judge.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revisions.update(_REVISION.findall(source))
        for line in _DOWN_REVISION.findall(source):
            parents.update(_QUOTED.findall(line))
    heads = revisions - parents
    if len(heads) == 1:
        return heads.pop()
    from alembic.script import ScriptDirectory  # only when in doubt

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def upgrade_database(engine_or_url: Engine | str) -> None:
    """Migrate the database to the newest schema; do nothing if it is already there."""
    if isinstance(engine_or_url, str):
        engine = make_engine(engine_or_url)
        try:
            _upgrade(engine)
        finally:
            engine.dispose()
    else:
        _upgrade(engine_or_url)


def _upgrade(engine: Engine) -> None:
    try:
        connection = engine.connect()
    except OperationalError as error:
        raise connection_problem(engine, error) from None
    with connection:
        if _revision(connection) == head_revision():
            return  # nothing to do: Alembic is not even imported
        connection.rollback()
        from alembic import command  # only to migrate (see the top)

        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch migration rebuilds a table by dropping it, which would cascade to its
            # children with foreign keys on. The pragma is ignored inside a transaction.
            _set_sqlite_foreign_keys(connection, enabled=False)
        try:
            with connection.begin():
                if not sqlite:
                    # Two processes starting at once migrate one after the other.
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
                    )
                command.upgrade(alembic_config(connection), "head")
                if sqlite:
                    _check_sqlite_foreign_keys(connection)
        finally:
            if sqlite:
                _set_sqlite_foreign_keys(connection, enabled=True)


def _set_sqlite_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    # Through the driver: SQLAlchemy would wrap the statement in BEGIN IMMEDIATE.
    driver: Any = connection.connection.driver_connection
    driver.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision the database is at, or None if it was never migrated."""
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    """Read Alembic's version table as Alembic does (``MigrationContext``), without Alembic."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(found) > 1:
        raise RuntimeError(f"the database is at several schema revisions at once: {found}")
    return str(found[0]) if found else None
