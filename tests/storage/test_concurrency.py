"""Concurrent writers: short transactions from several threads queue instead of failing."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Resident
from storage.queries import claim_update, get_or_create_resident, load_state, save_state

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
THREADS = 8
TRANSACTIONS = 25


def _id(resident: Resident) -> int:
    assert resident.id is not None
    return resident.id


def _handle(engine, worker: int, n: int) -> None:
    now = T0 + timedelta(seconds=n)
    with session_scope(engine) as session:
        # Reads before writes, as the bot does: with a deferred BEGIN, most of these would fail
        # ("database is locked") when the read lock cannot be upgraded.
        resident_id = _id(get_or_create_resident(session=session, pseudonym=f"p{worker}", now=now))
        load_state(session=session, resident_id=resident_id)
        assert claim_update(session=session, update_id=worker * 1000 + n, now=now)
        save_state(session=session, resident_id=resident_id, state={"n": n}, now=now)


def _worker(engine, worker: int) -> list[str]:
    errors = []
    for n in range(TRANSACTIONS):
        try:
            _handle(engine, worker, n)
        except Exception as error:  # count every failed transaction, keep going
            errors.append(f"{worker}/{n}: {error}")
    return errors


def test_eight_threads_writing_to_one_sqlite_file_all_succeed(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    with ThreadPoolExecutor(THREADS) as pool:
        errors = [
            error
            for found in pool.map(_worker, [engine] * THREADS, range(THREADS))
            for error in found
        ]
    assert errors == []  # no "database is locked"
    with session_scope(engine) as session:
        claimed = session.connection().execute(text("SELECT count(*) FROM processed_update"))
        assert claimed.scalar() == THREADS * TRANSACTIONS
        for worker in range(THREADS):
            resident = get_or_create_resident(session=session, pseudonym=f"p{worker}", now=T0)
            assert load_state(session=session, resident_id=_id(resident)) == {
                "n": TRANSACTIONS - 1
            }
    engine.dispose()


def test_two_transactions_creating_one_pseudonym_end_with_one_resident(database_url):
    engine = make_engine(database_url)
    upgrade_database(engine)
    first_inserted = threading.Event()
    ids: dict[str, int] = {}

    def first() -> None:
        with session_scope(engine) as session:
            resident = get_or_create_resident(session=session, pseudonym="same", now=T0)
            first_inserted.set()
            # Still uncommitted: the second transaction reads no row and must insert too.
            threading.Event().wait(0.3)
            ids["first"] = _id(resident)

    def second() -> None:
        first_inserted.wait(5)
        with session_scope(engine) as session:
            ids["second"] = _id(get_or_create_resident(session=session, pseudonym="same", now=T0))

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(first), pool.submit(second)]
    assert [f.exception() for f in futures] == [None, None]
    assert ids["first"] == ids["second"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM resident")).scalar() == 1
    engine.dispose()


def test_a_locked_resident_is_handled_by_one_transaction_at_a_time(database_url):
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        get_or_create_resident(session=session, pseudonym="p", now=T0)
    locked = threading.Event()
    seen: list[object] = []

    def first() -> None:
        with session_scope(engine) as session:
            resident = get_or_create_resident(session=session, pseudonym="p", now=T0)
            locked.set()
            threading.Event().wait(0.3)
            save_state(session=session, resident_id=_id(resident), state={"by": "first"}, now=T0)

    def second() -> None:
        locked.wait(5)
        with session_scope(engine) as session:
            resident = get_or_create_resident(session=session, pseudonym="p", now=T0)
            # Only reached after the first transaction committed, so its state is visible.
            seen.append(load_state(session=session, resident_id=_id(resident)))

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(first), pool.submit(second)]
    assert [f.exception() for f in futures] == [None, None]
    assert seen == [{"by": "first"}]
    engine.dispose()
