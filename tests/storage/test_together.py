"""Reads run side by side on one snapshot: every part counts the same rows, written or not."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session

import flows.problem
from flows.periods import Period
from flows.workspace import Filters
from storage import queries
from storage.engine import read_scope, session_scope
from storage.models import Problem
from storage.together import together

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
YEAR = Period(NOW - timedelta(days=300), NOW + timedelta(days=1))


def _add(engine: Engine, n: int) -> None:
    with session_scope(engine) as session:
        for i in range(n):
            queries.add_problem(
                session=session,
                resident_id=None,
                problem=flows.problem.Problem(text=f"Bussen {i}", language="nb"),
                source="telegram",
                now=NOW - timedelta(days=i),
            )


def _count(session: Session) -> tuple[int, str]:
    found = session.execute(select(func.count()).select_from(Problem)).scalar_one()
    return int(found), threading.current_thread().name


def test_every_part_counts_what_the_read_saw_when_it_began(engine: Engine) -> None:
    _add(engine, 3)
    with read_scope(engine) as session:
        assert _count(session)[0] == 3  # the read's snapshot is taken here
        _add(engine, 2)  # committed by another connection meanwhile
        counts = together(session, [_count] * 5)
    assert [n for n, _ in counts] == [3] * 5
    threads = {name for _, name in counts}
    # PostgreSQL spreads the parts over more connections; SQLite keeps them on its own.
    assert len(threads) == (4 if engine.dialect.name == "postgresql" else 1)
    with read_scope(engine) as session:
        assert together(session, [_count, _count])[1][0] == 5


def test_a_writing_transaction_keeps_its_parts_on_its_own_connection(engine: Engine) -> None:
    # Other connections would not see what it wrote and has not committed.
    _add(engine, 1)
    with session_scope(engine) as session:
        queries.add_problem(
            session=session,
            resident_id=None,
            problem=flows.problem.Problem(text="Snø", language="nb"),
            source="telegram",
            now=NOW,
        )
        counts = together(session, [_count] * 3)
    assert [n for n, _ in counts] == [2, 2, 2]
    assert len({name for _, name in counts}) == 1


def test_a_read_side_by_side_gives_the_sums_of_one_after_another(engine: Engine) -> None:
    _add(engine, 40)
    with session_scope(engine) as session:
        queries.store_themes(session=session, labels={1: "buss", 2: "snø"}, now=NOW)
        ids = session.execute(select(Problem.id)).scalars().all()
        queries.set_problem_themes(session=session, themes={i: 1 + i % 2 for i in ids if i % 3})
    earlier = Period(YEAR.start - timedelta(days=300), YEAR.start)
    with session_scope(engine) as session:  # one after another
        alone = queries.view_sums(session=session, filters=Filters(), period=YEAR, earlier=earlier)
    with read_scope(engine) as session:  # side by side on PostgreSQL
        apart = queries.view_sums(session=session, filters=Filters(), period=YEAR, earlier=earlier)
    assert apart == alone and alone[0].problems == 40 and len(alone[0].themes) == 2


def test_a_part_on_a_connection_of_its_own_spreads_no_further(engine: Engine) -> None:
    # Only the reading session waits for more connections, so the pool cannot run dry of
    # the connections its parts need.
    _add(engine, 1)

    def nested(session: Session) -> set[str]:
        return {name for _, name in together(session, [_count] * 3)}

    with read_scope(engine) as session:
        first, second = together(session, [nested, nested])
    assert len(second) == 1 and len(first) == (3 if engine.dialect.name == "postgresql" else 1)
