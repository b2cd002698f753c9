"""What staff see before confirming a status change: who is told, the message per language."""

from datetime import UTC, datetime

import pytest

from bot.services.statuses import preview_change
from flows.problem import Problem
from flows.status import StatusRefused
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.queries.statuses import Target
from tests.packaged import content

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_the_preview_counts_who_will_be_told_and_shows_each_language(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        queries.store_themes(session=session, labels={1: "buss"}, now=NOW)
        for n, (language, agreed) in enumerate((("nb", True), ("uk", True), ("en", False))):
            row = queries.get_or_create_resident(session=session, pseudonym=f"r{n}", now=NOW)
            assert row.id is not None
            queries.set_language(session=session, resident_id=row.id, language=language)
            queries.record_hear_back(
                session=session, resident_id=row.id, version=int(agreed), chat_id=10 + n, now=NOW
            )
            draft = Problem(text=f"Bussen går for sjelden om kvelden ({n}).", language="nb")
            problem = queries.add_problem(
                session=session, resident_id=row.id, problem=draft, source="telegram", now=NOW
            )
            queries.set_problem_themes(session=session, themes={problem: 1})
    db = Database(engine)
    note = "Vi setter opp en ekstra kveldsavgang fra mars."
    preview = preview_change(db, content(), target=Target(theme_id=1), status="planned", note=note)
    assert (preview.residents, preview.by_language) == (2, {"nb": 1, "uk": 1})
    assert set(preview.messages) == set(content().languages)
    assert "Заплановано" in preview.messages["uk"].text and note in preview.messages["uk"].text
    assert "Norsk bokmål" in preview.messages["en"].text  # the note's language is named
    with pytest.raises(StatusRefused):
        preview_change(db, content(), target=Target(theme_id=1), status="declined", note="")
    assert db.call(queries.status_history, target=Target(theme_id=1)) == []  # nothing stored
    engine.dispose()
