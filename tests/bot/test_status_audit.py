"""A workspace status change, its history row and its staff log line are one transaction."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from bot.services.statuses import change_status
from flows.problem import Problem
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import StatusNotice
from storage.queries.statuses import Target
from tests.packaged import content

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STAFF = 4242

# A real refusal by the database at the moment the log line is written.
_SQLITE_REFUSE = """
CREATE TRIGGER refuse_log BEFORE INSERT ON staff_action
BEGIN SELECT RAISE(ABORT, 'the log refuses'); END
"""
_POSTGRES_REFUSE = (
    """CREATE FUNCTION refuse_log() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'the log refuses'; END $$""",
    """CREATE TRIGGER refuse_log BEFORE INSERT ON staff_action
    FOR EACH ROW EXECUTE FUNCTION refuse_log()""",
)
_POSTGRES_ALLOW = (
    "DROP TRIGGER refuse_log ON staff_action",
    "DROP FUNCTION refuse_log()",
)


def test_a_refused_log_line_leaves_neither_the_change_nor_its_news(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    postgres = engine.dialect.name == "postgresql"
    with session_scope(engine) as session:
        queries.store_themes(session=session, labels={1: "buss"}, now=NOW)
        row = queries.get_or_create_resident(session=session, pseudonym="r1", now=NOW)
        assert row.id is not None
        queries.record_hear_back(
            session=session, resident_id=row.id, version=1, chat_id=10, now=NOW
        )
        draft = Problem(text="Bussen går for sjelden om kvelden.", language="nb")
        problem = queries.add_problem(
            session=session, resident_id=row.id, problem=draft, source="telegram", now=NOW
        )
        queries.set_problem_themes(session=session, themes={problem: 1})
        for statement in _POSTGRES_REFUSE if postgres else (_SQLITE_REFUSE,):
            session.execute(text(statement))
    db = Database(engine)
    target = Target(theme_id=1)

    def change() -> None:
        change_status(
            db,
            content(),
            target=target,
            status="planned",
            note="Vi ser på rutetabellen.",
            changed_by=f"web:{STAFF}",
            now=NOW,
            logged_for=STAFF,
        )

    with pytest.raises(DBAPIError, match="the log refuses"):
        change()
    assert db.call(queries.status_history, target=target) == []
    assert db.call(queries.theme_actions, targets=["theme:1"]) == []
    with session_scope(engine) as session:
        assert session.exec(select(StatusNotice)).all() == []
        for statement in _POSTGRES_ALLOW if postgres else ("DROP TRIGGER refuse_log",):
            session.execute(text(statement))

    change()
    assert [c.status for c in db.call(queries.status_history, target=target)] == ["planned"]
    logged = db.call(queries.theme_actions, targets=["theme:1"])
    assert [(a.telegram_id, a.action, a.detail) for a in logged] == [
        (STAFF, "status", "planned, 1 residents to be told")
    ]
    engine.dispose()
