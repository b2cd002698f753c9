"""Queries against a migrated SQLite file and PostgreSQL: what the bot stores comes back."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session

import flows.problem
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Problem, Resident
from storage.queries import (
    add_problem,
    claim_update,
    count_problems,
    delete_resident,
    get_or_create_resident,
    load_state,
    problem_records,
    prune_processed_updates,
    record_consent,
    save_state,
    set_follow_up,
    set_language,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = flows.problem.Problem(
    text="Bussen til Hunndalen går for sjelden om kvelden.",
    language="nb",
    suggested_solution="Én avgang til etter kl. 22.",
    solution_language="nb",
    frequency="weekly",
    severity=4,
    groups=("commuters", "youth"),
    area="hunndalen",
    workshop="ws1",
)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield engine
    engine.dispose()


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
        again = get_or_create_resident(session=session, pseudonym="p1", now=later, lock=True)
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


def test_an_update_is_claimed_once_and_a_rolled_back_claim_is_released(engine):
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=10**12, now=T0) is True
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=10**12, now=T0) is False
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        assert claim_update(session=session, update_id=7, now=T0) is True
        raise RuntimeError("handler failed")
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=7, now=T0) is True


def test_old_claims_are_pruned(engine):
    with session_scope(engine) as session:
        claim_update(session=session, update_id=1, now=T0)
        claim_update(session=session, update_id=2, now=T0 + timedelta(days=2))
    with session_scope(engine) as session:
        assert prune_processed_updates(session=session, older_than=T0 + timedelta(days=1)) == 1
    with session_scope(engine) as session:
        assert claim_update(session=session, update_id=1, now=T0) is True
        assert claim_update(session=session, update_id=2, now=T0) is False


def test_a_problem_round_trips_with_its_resident_and_an_aware_utc_time(engine):
    resident_id = _resident_id(engine, "pseudo-1")
    oslo_time = datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=ZoneInfo("Europe/Oslo"))
    with session_scope(engine) as session:
        problem_id = add_problem(
            session=session,
            resident_id=resident_id,
            problem=DRAFT,
            source="telegram",
            now=oslo_time,
        )
    with session_scope(engine) as session:
        [record] = problem_records(session=session)
        assert count_problems(session=session) == 1
    assert record.id == problem_id
    assert record.created_at == oslo_time
    assert record.created_at.tzinfo is UTC
    assert record.created_at.hour == 9  # 10:30 in Oslo in March is 09:30 UTC
    assert record.resident == "pseudo-1"
    assert (record.text, record.language) == (DRAFT.text, "nb")
    assert record.suggested_solution == DRAFT.suggested_solution
    assert record.groups == ("commuters", "youth")
    assert (record.area, record.frequency, record.severity) == ("hunndalen", "weekly", 4)
    assert (record.source, record.workshop) == ("telegram", "ws1")


def test_problems_are_filtered_by_since_inclusive_until_exclusive_and_ordered(engine):
    times = [T0 + timedelta(days=day) for day in (2, 0, 1, 1)]
    with session_scope(engine) as session:
        ids = [
            add_problem(session=session, resident_id=None, problem=DRAFT, source="import", now=t)
            for t in times
        ]
    with session_scope(engine) as session:
        everything = problem_records(session=session)
        day_one = problem_records(
            session=session, since=T0 + timedelta(days=1), until=T0 + timedelta(days=2)
        )
        from_day_two = problem_records(session=session, since=T0 + timedelta(days=2))
    assert [r.id for r in everything] == [ids[1], ids[2], ids[3], ids[0]]
    assert [r.id for r in day_one] == [ids[2], ids[3]]
    assert [r.id for r in from_day_two] == [ids[0]]
    assert {r.resident for r in everything} == {""}


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


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"severity": 0}, "severity"),
        ({"severity": 6}, "severity"),
        ({"text": ""}, "text"),
        ({"text": "x" * 4097}, "text"),
        ({"language": "nb-NO-x-long"}, "language"),
        ({"groups": ("x" * 33,)}, "groups"),
        ({"area": "a" * 33}, "area"),
    ],
)
def test_an_invalid_problem_is_refused_and_nothing_is_stored(engine, change, field):
    draft = flows.problem.Problem(**{**_fields(DRAFT), **change})
    with pytest.raises(ValidationError, match=field), session_scope(engine) as session:
        add_problem(session=session, resident_id=None, problem=draft, source="telegram", now=T0)
    with session_scope(engine) as session:
        assert count_problems(session=session) == 0


def test_an_unknown_source_is_refused(engine):
    with pytest.raises(ValidationError, match="unknown source"), session_scope(engine) as s:
        add_problem(session=s, resident_id=None, problem=DRAFT, source="email", now=T0)


def test_the_database_itself_refuses_an_out_of_range_severity(engine):
    # Table models skip validation; the CHECK constraint is the last line of defence.
    with pytest.raises(IntegrityError, match="severity"), session_scope(engine) as session:
        session.add(Problem(text="x", language="nb", source="import", severity=9, created_at=T0))


def test_naive_datetimes_are_refused(engine):
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    resident_id = _resident_id(engine)
    with pytest.raises(ValueError, match="naive"), session_scope(engine) as session:
        add_problem(session=session, resident_id=None, problem=DRAFT, source="import", now=naive)
    with pytest.raises(ValueError, match="naive"), session_scope(engine) as session:
        problem_records(session=session, since=naive)
    with pytest.raises(ValueError, match="naive"), session_scope(engine) as session:
        save_state(session=session, resident_id=resident_id, state={}, now=naive)
    # Writing a model directly meets the column type's own check.
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        session.add(Problem(text="x", language="nb", source="import", created_at=naive))


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


def _fields(draft: flows.problem.Problem) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in draft.__slots__}
