"""The statements of a resident's update: enter the resident, keep their state, note answers."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.services.replied import RepliedMarks
from storage.database import Database
from storage.engine import session_scope, upgrade_database
from storage.models import ProcessedUpdate, Resident
from storage.queries import hot_path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PSEUDONYM = "a" * 64


def test_a_resident_is_created_once_and_marked_seen_at_each_update(engine):
    with session_scope(engine) as session:
        first = hot_path.enter_resident(session=session, pseudonym=PSEUDONYM, now=T0)
    later = T0 + timedelta(hours=1)
    with session_scope(engine) as session:
        again = hot_path.enter_resident(session=session, pseudonym=PSEUDONYM, now=later)
    assert again == first and first.consent_version == 0
    with session_scope(engine) as session:
        row = session.get(Resident, first.id)
        assert row is not None
        assert (row.created_at, row.last_seen_at) == (T0, later)


def test_an_overlong_pseudonym_is_refused_before_anything_is_stored(engine):
    with pytest.raises(ValueError), session_scope(engine) as session:
        hot_path.enter_resident(session=session, pseudonym="x" * 65, now=T0)


def test_the_state_is_stored_whole_and_read_back_as_a_copy_of_its_own(engine):
    with session_scope(engine) as session:
        resident = hot_path.enter_resident(session=session, pseudonym=PSEUDONYM, now=T0)
        assert hot_path.load_state(session=session, resident_id=resident.id) is None
        hot_path.save_state(
            session=session, resident_id=resident.id, state={"step": "ask_area"}, now=T0
        )
    with session_scope(engine) as session:
        state = hot_path.load_state(session=session, resident_id=resident.id)
        assert state == {"step": "ask_area"}
        state["step"] = "changed in memory only"
        new = {"step": "confirm", "draft": {"groups": ["student"]}}
        hot_path.save_state(session=session, resident_id=resident.id, state=new, now=T0)
    with session_scope(engine) as session:
        state = hot_path.load_state(session=session, resident_id=resident.id)
        assert state == {"step": "confirm", "draft": {"groups": ["student"]}}


def test_marks_asked_for_together_are_all_recorded(engine):
    with session_scope(engine) as session:
        for update_id in (1, 2, 3, 4):
            assert hot_path.claim_update(session=session, update_id=update_id, now=T0)
    marks = RepliedMarks(Database(engine), clock=lambda: T0)

    async def answered() -> None:
        await asyncio.gather(*(marks.mark(update_id) for update_id in (1, 2, 3)))

    asyncio.run(answered())
    with session_scope(engine) as session:
        replied = {u: session.get(ProcessedUpdate, u).replied_at for u in (1, 2, 3, 4)}
    assert replied == {1: T0, 2: T0, 3: T0, 4: None}


def test_every_caller_hears_that_its_mark_was_not_written(engine):
    with session_scope(engine) as session:
        session.execute(text("DROP TABLE processed_update"))
    marks = RepliedMarks(Database(engine), clock=lambda: T0)

    async def answered() -> list[object]:
        return await asyncio.gather(marks.mark(1), marks.mark(2), return_exceptions=True)

    failures = asyncio.run(answered())
    assert all(isinstance(failure, Exception) for failure in failures)


@pytest.mark.postgres
def test_a_residents_row_stays_locked_until_their_update_is_committed(postgres_url):
    # Across processes one resident's updates are applied one at a time: a second transaction
    # entering the same resident waits (here: gives up after 200 ms) until the first commits.
    from storage.engine import make_engine

    engine = make_engine(postgres_url)
    upgrade_database(engine)
    try:
        with session_scope(engine) as first:
            hot_path.enter_resident(session=first, pseudonym=PSEUDONYM, now=T0)
        with session_scope(engine) as first:
            hot_path.enter_resident(session=first, pseudonym=PSEUDONYM, now=T0)
            with pytest.raises(OperationalError, match="lock"), session_scope(engine) as second:
                second.execute(text("SET LOCAL lock_timeout = '200ms'"))
                hot_path.enter_resident(session=second, pseudonym=PSEUDONYM, now=T0)
        with session_scope(engine) as second:  # committed: the next one goes through
            hot_path.enter_resident(session=second, pseudonym=PSEUDONYM, now=T0)
    finally:
        engine.dispose()
