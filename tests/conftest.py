"""Shared fixtures: a loopback-only network, the databases the storage and bot tests run on, and
the dictionaries' indexes built once a run."""

import fcntl
import ipaddress
import os
import pickle
import shutil
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.telegram.models import import_aiogram
from flows.lemma_index import CompactDictionaryFactory
from storage.engine import make_engine, upgrade_database

# Before any test module imports aiogram, as `innspill run` does: each model's validator is built
# when a test first uses it, not all ~670 at import (about 5 s of CPU in every test worker here).
# tests/bot/test_telegram_models.py shows updates read and calls made the same either way.
import_aiogram()

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family == socket.AF_UNIX:
        return
    host = address[0] if isinstance(address, tuple) else address
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise ConnectionRefusedError(f"test tried to reach {host!r}: only loopback is allowed")


def _guarded_connect(sock: socket.socket, address: Any) -> None:
    _check_address(sock, address)
    _real_connect(sock, address)


def _guarded_connect_ex(sock: socket.socket, address: Any) -> int:
    _check_address(sock, address)
    return _real_connect_ex(sock, address)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make ``xdist_group`` work again: pytest-xdist 3.8 appends a test's group to
    ``item._nodeid``, which pytest 9.2 no longer reads (it reads ``item._id``), so every group was
    silently ignored and its tests spread over all workers. Put the name where pytest reads it."""
    if not getattr(config.option, "loadgroup", False):  # set on xdist's workers only
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # an older pytest reads _nodeid itself
        return
    for item in items:
        wanted = getattr(item, "_nodeid", None)
        if isinstance(wanted, str) and wanted != item.nodeid:
            item._id = NodeId.parse(wanted)  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def _dictionaries_built_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Build each language's dictionary index once a run, in the first test process that needs
    it; the others read a pickle of the very object (Polish: 0.05 s instead of 4 s of CPU, in
    every worker whose bot loads the five offered languages). The index itself is built from
    simplemma's file in tests/flows/test_lemma_index.py and in the dictionaries' memory test."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's directory, above each worker's own
    build = CompactDictionaryFactory._get_dictionary_uncached

    def built_once(factory: CompactDictionaryFactory, lang: str) -> Any:
        done = shared / f"dictionary-{lang}.pickle"
        with (shared / f"dictionary-{lang}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker building it: wait, then read
            if done.exists():
                return pickle.loads(done.read_bytes())
            made = build(factory, lang)
            partial = done.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL))
            partial.replace(done)
            return made

    with pytest.MonkeyPatch.context() as patch:
        # Before the bot's lemmatiser exists: its factory binds the method when it is made.
        patch.setattr(CompactDictionaryFactory, "_get_dictionary_uncached", built_once)
        yield


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection anywhere but 127.0.0.0/8 or ::1."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'innspill.db'}"


# Databases dropped at a time. On PostgreSQL 15 each DROP DATABASE forces an immediate
# checkpoint: every dirty page on the server written and synced, a second or more while other
# tests write. Dropped one at a time, the drops fell behind the tests and each worker waited for
# its backlog at the end (tests/storage at two workers: 122 s); drops waiting together share the
# next checkpoint (70–75 s, at load 4–5).
DROPPERS = 4


@pytest.fixture(scope="session")
def _postgres_admin() -> Iterator[tuple[Engine, ThreadPoolExecutor]]:
    """A connection to TEST_DATABASE_URL's server, and threads that drop finished databases.

    Dropping a database waits on the server's disk for a good part of a second: the next test
    need not wait with it. Every one is dropped before the session ends.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL not configured: set TEST_DATABASE_URL to run this test")
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_size=DROPPERS)
    dropper = ThreadPoolExecutor(max_workers=DROPPERS)
    try:
        yield admin, dropper
    finally:
        dropper.shutdown(wait=True)
        admin.dispose()


def _create_database(admin: Engine, template: str | None = None) -> str:
    name = f"innspill_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    return name


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _url_of(admin: Engine, name: str) -> str:
    return admin.url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def fresh_postgres(
    postgres_admin: tuple[Engine, ThreadPoolExecutor], template: str | None = None
) -> Iterator[str]:
    """A new PostgreSQL database (a copy of ``template`` if given), dropped in the background."""
    admin, dropper = postgres_admin
    name = _create_database(admin, template=template)
    try:
        yield _url_of(admin, name)
    finally:
        dropper.submit(_drop_database, admin, name)


@pytest.fixture
def postgres_url(_postgres_admin: tuple[Engine, ThreadPoolExecutor]) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_postgres(_postgres_admin) as url:
        yield url


@pytest.fixture(scope="session")
def _migrated_postgres(_postgres_admin: tuple[Engine, ThreadPoolExecutor]) -> Iterator[str]:
    """Name of a PostgreSQL database migrated once per session: a template to copy."""
    admin, dropper = _postgres_admin
    name = _create_database(admin)
    upgrade_database(_url_of(admin, name))
    yield name
    dropper.submit(_drop_database, admin, name)


@pytest.fixture
def migrated_postgres_url(
    _postgres_admin: tuple[Engine, ThreadPoolExecutor], _migrated_postgres: str
) -> Iterator[str]:
    """A PostgreSQL database at the newest schema, empty of rows, for one test."""
    with fresh_postgres(_postgres_admin, template=_migrated_postgres) as url:
        yield url


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session: a template to copy."""
    path = tmp_path_factory.mktemp("migrated") / "innspill.db"
    upgrade_database(f"sqlite:///{path}")  # closing the last connection empties the WAL
    return path


@pytest.fixture
def migrated_sqlite_url(tmp_path: Path, _migrated_sqlite: Path) -> str:
    """A SQLite file at the newest schema, empty of rows, for one test."""
    path = tmp_path / "innspill.db"
    shutil.copyfile(_migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once on SQLite and once on PostgreSQL (when configured), at the newest
    schema: a copy of a database migrated once, as migrating each one took a third of a second.
    The migrations themselves are tested from empty databases (``empty_database_url``)."""
    name = "migrated_sqlite_url" if request.param == "sqlite" else "migrated_postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest) -> str:
    """An empty database, once SQLite and once PostgreSQL (when configured)."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database for one test, disposed afterwards."""
    made = make_engine(database_url)
    upgrade_database(made)
    yield made
    made.dispose()
