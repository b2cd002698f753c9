"""Problems against a migrated SQLite file and PostgreSQL: what the bot stores comes back."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, StatementError

import flows.problem
from storage import queries
from storage.engine import session_scope
from storage.models import DigestDelivery, Problem
from storage.queries.hot_path import save_state
from storage.queries.outbox import outbox_due
from storage.queries.problems import add_problem, count_problems, problem_records
from storage.queries.residents import (
    get_or_create_resident,
)
from tests.factories import SAMPLE_PROBLEM

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = (T0, T0 + timedelta(days=7))
DRAFT = SAMPLE_PROBLEM


def test_a_problem_round_trips_with_its_resident_and_an_aware_utc_time(engine):
    resident_id = _resident_id(engine)
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
    assert record.resident == "p1"
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
    # The column type refuses them, so a query needs no check of its own.
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    resident_id = _resident_id(engine)
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        add_problem(session=session, resident_id=None, problem=DRAFT, source="import", now=naive)
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        problem_records(session=session, since=naive)
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        save_state(session=session, resident_id=resident_id, state={}, now=naive)
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        outbox_due(session=session, table=DigestDelivery, now=naive)
    with pytest.raises(StatementError, match="naive"), session_scope(engine) as session:
        session.add(Problem(text="x", language="nb", source="import", created_at=naive))
    with session_scope(engine) as session:
        assert count_problems(session=session) == 0


def _resident_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        resident = get_or_create_resident(session=session, pseudonym="p1", now=T0)
    assert resident.id is not None
    return resident.id


def _fields(draft: flows.problem.Problem) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in draft.__slots__}


def test_problems_are_counted_from_the_start_of_a_period_to_before_its_end(
    engine: Engine,
) -> None:
    draft = flows.problem.Problem(text="Bussen går for sjelden", language="nb")
    with session_scope(engine) as session:
        for at in (
            WEEK[0] - timedelta(seconds=1),
            WEEK[0],
            WEEK[1] - timedelta(seconds=1),
            WEEK[1],
        ):
            queries.add_problem(
                session=session, resident_id=None, problem=draft, source="telegram", now=at
            )
        assert queries.count_problems_between(session=session, since=WEEK[0], until=WEEK[1]) == 2
