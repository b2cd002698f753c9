"""Residents against a migrated SQLite file and PostgreSQL: who they are and what they chose."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from storage.engine import session_scope
from storage.models import Problem, Resident
from storage.queries.hot_path import load_state, save_state
from storage.queries.privacy import resident_data
from storage.queries.problems import add_problem, problem_records, similar_candidates
from storage.queries.residents import (
    delete_resident,
    get_or_create_resident,
    record_consent,
    set_follow_up,
    set_language,
    set_reporter_blocked,
)
from tests.factories import SAMPLE_PROBLEM

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = SAMPLE_PROBLEM


def _resident_id(engine: Engine, pseudonym: str = "p1", now: datetime = T0) -> int:
    with session_scope(engine) as session:
        resident = get_or_create_resident(session=session, pseudonym=pseudonym, now=now)
    assert resident.id is not None
    return resident.id


def _resident(session: Session, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    assert resident is not None
    return resident


def test_a_resident_is_created_once_per_pseudonym(engine):
    first = _resident_id(engine, "p1", T0)
    later = T0 + timedelta(hours=1)
    with session_scope(engine) as session:
        again = get_or_create_resident(session=session, pseudonym="p1", now=later)
    assert again.id == first
    assert again.created_at == T0
    assert again.last_seen_at == later
    assert _resident_id(engine, "p2") != first


def test_an_overlong_pseudonym_is_refused(engine):
    with pytest.raises(ValidationError, match="pseudonym"), session_scope(engine) as session:
        get_or_create_resident(session=session, pseudonym="x" * 65, now=T0)


def test_state_round_trips_and_an_in_place_change_is_saved(engine):
    resident_id = _resident_id(engine)
    with session_scope(engine) as session:
        assert load_state(session=session, resident_id=resident_id) is None
        save_state(
            session=session,
            resident_id=resident_id,
            state={"step": "problem", "draft": {"groups": []}},
            now=T0,
        )
    with session_scope(engine) as session:
        state = load_state(session=session, resident_id=resident_id)
        assert state == {"step": "problem", "draft": {"groups": []}}
        state["draft"]["groups"].append("youth")  # the JSON trap: a nested in-place change
        state["step"] = "groups"
        save_state(session=session, resident_id=resident_id, state=state, now=T0)
    with session_scope(engine) as session:
        assert load_state(session=session, resident_id=resident_id) == {
            "step": "groups",
            "draft": {"groups": ["youth"]},
        }


def test_deleting_a_resident_keeps_their_problems_unlinked_and_drops_their_state(engine):
    resident_id = _resident_id(engine, "gone")
    with session_scope(engine) as session:
        add_problem(
            session=session, resident_id=resident_id, problem=DRAFT, source="telegram", now=T0
        )
        save_state(session=session, resident_id=resident_id, state={"step": "idle"}, now=T0)
    with session_scope(engine) as session:
        session.delete(_resident(session, resident_id))
    with session_scope(engine) as session:
        [record] = problem_records(session=session)
        assert record.resident == ""
        problem = session.get(Problem, record.id)
        assert problem is not None
        assert problem.resident_id is None
        assert load_state(session=session, resident_id=resident_id) is None
        assert delete_resident(session=session, resident_id=resident_id) is False


def test_delete_resident_forgets_them(engine):
    resident_id = _resident_id(engine, "gone")
    with session_scope(engine) as session:
        save_state(session=session, resident_id=resident_id, state={"step": "idle"}, now=T0)
        assert delete_resident(session=session, resident_id=resident_id) is True
    with session_scope(engine) as session:
        assert session.get(Resident, resident_id) is None
        assert load_state(session=session, resident_id=resident_id) is None


def test_consent_language_and_follow_up_are_remembered(engine):
    resident_id = _resident_id(engine)
    later = T0 + timedelta(minutes=5)
    with session_scope(engine) as session:
        record_consent(session=session, resident_id=resident_id, version=2, now=later)
        set_language(session=session, resident_id=resident_id, language="uk")
        set_follow_up(session=session, resident_id=resident_id, chat_id=-(10**12))
    with session_scope(engine) as session:
        resident = _resident(session, resident_id)
        assert (resident.consent_version, resident.consented_at) == (2, later)
        assert resident.language == "uk"
        assert (resident.follow_up_consent, resident.chat_id) == (True, -(10**12))
        set_follow_up(session=session, resident_id=resident_id, chat_id=None)
    with session_scope(engine) as session:
        resident = _resident(session, resident_id)
        assert (resident.follow_up_consent, resident.chat_id) == (False, None)


def test_resident_updates_refuse_bad_input(engine):
    resident_id = _resident_id(engine)
    with pytest.raises(LookupError), session_scope(engine) as session:
        record_consent(session=session, resident_id=resident_id + 1, version=1, now=T0)
    with pytest.raises(ValueError, match="language"), session_scope(engine) as session:
        set_language(session=session, resident_id=resident_id, language="much-too-long")
    with pytest.raises(ValueError, match="version"), session_scope(engine) as session:
        record_consent(session=session, resident_id=resident_id, version=0, now=T0)


def test_a_blocked_residents_reports_are_never_offered_as_similar(engine: Engine) -> None:
    blocked, reader = _resident_id(engine, "blocked"), _resident_id(engine, "reader")
    with session_scope(engine) as session:
        problem = add_problem(
            session=session, resident_id=blocked, problem=DRAFT, source="telegram", now=T0
        )
        unlinked = add_problem(
            session=session, resident_id=None, problem=DRAFT, source="import", now=T0
        )
        offered = similar_candidates(
            session=session, resident_id=reader, workshop="", area=DRAFT.area
        )
        assert sorted(c.id for c in offered) == [problem, unlinked]
        set_reporter_blocked(session=session, problem_id=problem, blocked=True, now=T0)
        offered = similar_candidates(
            session=session, resident_id=reader, workshop="", area=DRAFT.area
        )
        assert [c.id for c in offered] == [unlinked]  # reports linked to no one still count


def test_mydata_leaves_out_whether_staff_blocked_the_resident(engine: Engine) -> None:
    resident = _resident_id(engine, "blocked")
    with session_scope(engine) as session:
        problem = add_problem(
            session=session, resident_id=resident, problem=DRAFT, source="telegram", now=T0
        )
        set_reporter_blocked(session=session, problem_id=problem, blocked=True, now=T0)
        data = resident_data(session=session, resident_id=resident)
    assert "blocked_at" not in data["resident"]
    assert "blocked" not in str(data).replace("'pseudonym': 'blocked'", "")
