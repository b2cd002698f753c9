"""The database runner: one transaction per call, from async code or a thread."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flows.problem import Problem
from storage import queries
from storage.database import Database

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = Problem(text="Bussen går for sjelden om kvelden.", language="nb")


def _add_then_fail(session: Session, *, fail: bool) -> int:
    problem_id = queries.add_problem(
        session=session, resident_id=None, problem=DRAFT, source="import", now=T0
    )
    if fail:
        raise RuntimeError("after the write")
    return problem_id


async def test_run_commits_a_call_and_rolls_back_one_that_raises(engine: Engine) -> None:
    db = Database(engine)
    assert await db.run(_add_then_fail, fail=False) > 0
    with pytest.raises(RuntimeError):
        await db.run(_add_then_fail, fail=True)
    assert db.call(queries.count_problems) == 1
