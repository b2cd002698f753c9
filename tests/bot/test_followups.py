"""Follow-ups, answers and endorsements: what /mydata shows, /delete erases, digests count."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.services.digests import DigestBuilder
from bot.services.workshops import create_workshop
from flows.periods import Period
from flows.problem import Problem
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Endorsement, FollowUp, Observation
from tests.packaged import content, staff_texts

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


def participant(session: Session, name: str, text: str) -> tuple[int, int]:
    """Store a resident with one problem from the workshop; return both ids."""
    resident = queries.get_or_create_resident(session=session, pseudonym=name, now=NOW)
    assert resident.id is not None
    draft = Problem(text=text, language="nb", groups=("senior",), area="biri", workshop="biri1")
    problem = queries.add_problem(
        session=session, resident_id=resident.id, problem=draft, source="telegram", now=NOW
    )
    return resident.id, problem


def test_mydata_shows_and_delete_erases_follow_ups_answers_and_endorsements(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    create_workshop(
        engine, name="Seniortreff", group="senior", area="biri", held_on=date(2026, 11, 23),
        followups="1d,14d", now=NOW, zone=OSLO, bot_username="bot", code="biri1",
    )  # fmt: skip
    with session_scope(engine) as session:
        anna, annas = participant(session, "anna", "Bussen går for sjelden om kvelden.")
        bob, bobs = participant(session, "bob", "Bussen er full om morgenen.")
        queries.set_follow_up(session=session, resident_id=anna, chat_id=1001)
        due = [NOW + timedelta(days=1), NOW + timedelta(days=14)]
        assert (
            queries.schedule_follow_ups(
                session=session, resident_id=anna, workshop_code="biri1", due=due
            )
            == 2
        )
        assert (
            queries.schedule_follow_ups(
                session=session, resident_id=anna, workshop_code="biri1", due=due
            )
            == 0
        )  # owed once
        first = session.exec(select(FollowUp).where(FollowUp.round == 0)).one()
        assert first.id is not None
        for who, problem, stored in (
            (anna, annas, True),
            (bob, bobs, False),
            (anna, annas, False),
        ):
            assert stored == queries.record_observation(
                session=session,
                resident_id=who,  # Bob may not answer Anna's follow-up; Anna answers once
                follow_up_id=first.id,
                problem_id=problem,
                recurred=True,
                frequency="weekly",
                now=NOW,
            )
        assert queries.endorse(session=session, resident_id=anna, problem_id=bobs, now=NOW)
        assert not queries.endorse(session=session, resident_id=anna, problem_id=bobs, now=NOW)
        assert not queries.endorse(session=session, resident_id=anna, problem_id=annas, now=NOW)
        assert queries.endorse(session=session, resident_id=bob, problem_id=annas, now=NOW)
        data = queries.resident_data(session=session, resident_id=anna)
        assert [f["round"] for f in data["follow_ups"]] == [0, 1]
        assert [(o["recurred"], o["frequency"]) for o in data["follow_up_answers"]] == [
            (True, "weekly")
        ]
        assert [e["problem_id"] for e in data["endorsements"]] == [bobs]
        assert data["resident"]["chat_id"] == 1001
        queries.erase_resident(session=session, resident_id=anna)
    with session_scope(engine) as session:
        assert list(session.exec(select(FollowUp))) == []
        assert list(session.exec(select(Observation))) == []
        assert list(session.exec(select(Endorsement))) == []  # by Anna, and of her problem
        [left] = queries.problem_records(session=session)
        assert (left.id, left.endorsements) == (bobs, 0)
    engine.dispose()


def test_stop_drops_unsent_follow_ups_and_forgets_the_chat(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    create_workshop(
        engine, name="Seniortreff", group="senior", area="biri", held_on=date(2026, 11, 23),
        followups="1d", now=NOW, zone=OSLO, bot_username="bot", code="biri1",
    )  # fmt: skip
    with session_scope(engine) as session:
        anna, _ = participant(session, "anna", "Bussen går for sjelden om kvelden.")
        queries.set_follow_up(session=session, resident_id=anna, chat_id=1001)
        queries.schedule_follow_ups(
            session=session, resident_id=anna, workshop_code="biri1", due=[NOW]
        )
        assert queries.stop_follow_ups(session=session, resident_id=anna) == 1
        data = queries.resident_data(session=session, resident_id=anna)
        assert data["resident"]["chat_id"] is None and data["follow_ups"] == []
        assert (
            queries.outbox_due(session=session, table=FollowUp, now=NOW + timedelta(days=2)) == []
        )
    engine.dispose()


def test_the_digest_lists_the_workshops_of_the_period_with_small_counts_hidden(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    create_workshop(
        engine, name="Seniortreff på Biri", group="senior", area="biri",
        held_on=date(2026, 11, 23), followups="1d", now=NOW, zone=OSLO, bot_username="bot",
        code="biri1",
    )  # fmt: skip
    with session_scope(engine) as session:
        for n in range(6):
            participant(session, f"r{n}", f"Bussen til Biri går for sjelden, dag {n}.")
    builder = DigestBuilder(db=Database(engine), content=content(), texts=staff_texts(), zone=OSLO)
    week = Period(NOW - timedelta(days=1), NOW + timedelta(days=6))
    text = builder.plain(week, "en")
    assert "Workshops in the period" in text
    assert (
        "• Seniortreff på Biri (23.11.2026): 6 participants, 6 problems, <5 follow-up answers"
        in text
    )
    before = Period(NOW - timedelta(days=8), NOW - timedelta(days=1))
    assert "Workshops" not in builder.plain(before, "en")
    engine.dispose()
