"""Listing many problems works past SQLite's limit on query parameters."""

from datetime import UTC, datetime

from sqlalchemy import insert

from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Problem

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def test_forty_thousand_problems_are_listed_with_their_endorsements(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade_database(engine)
    rows = [
        {
            "text": f"Problem {n}",
            "language": "nb",
            "groups": [],
            "source": "import",
            "created_at": NOW,
        }
        for n in range(40_000)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Problem), rows)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session)
    engine.dispose()
    assert len(records) == 40_000
    assert all(r.endorsements == 0 for r in records)
