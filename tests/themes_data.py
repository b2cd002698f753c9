"""Problems to give themes to, saved as the interview saves them, and where they ended up."""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from bot.services.themes import current_model
from flows.problem import Problem
from flows.themes import ThemeModel
from storage import queries
from storage.engine import session_scope

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BUS_NB = "Bussen går altfor sjelden om kvelden, jeg kommer meg ikke hjem fra jobb"
BUS_NN = "Bussane går altfor sjeldan om kvelden, eg kjem meg ikkje heim frå jobb"
SNOW = "Fortauet ved skolen blir aldri brøytet, det er glatt og farlig om morgenen"
LIGHT = "Gatelyset i Storgata har vært slukket i tre uker, det er bekmørkt"


def clock() -> datetime:
    return NOW


def save(engine: Engine, text: str, language: str = "nb", who: str = "r1", **more: object) -> int:
    """Store a confirmed problem as the interview does: without a theme."""
    with session_scope(engine) as session:
        resident = queries.get_or_create_resident(session=session, pseudonym=who, now=NOW)
        assert resident.id is not None
        draft = Problem(text=text, language=language, **more)  # type: ignore[arg-type]
        return queries.add_problem(
            session=session, resident_id=resident.id, problem=draft, source="telegram", now=NOW
        )


def themes_of(engine: Engine) -> dict[int, int | None]:
    with session_scope(engine) as session:
        return {r.id: r.theme for r in queries.problem_records(session=session)}


def model_of(engine: Engine) -> ThemeModel:
    """Return the model a restarted process would hold: snapshot plus replayed assignments."""
    with session_scope(engine) as session:
        return current_model(session, queries.lock_theme_state(session=session))
