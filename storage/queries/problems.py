"""Problems: added by residents or imported, listed, counted and endorsed."""

from collections.abc import Collection
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, true
from sqlalchemy import select as select_rows
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

import flows.problem
from flows.events import Candidate
from flows.records import ProblemRecord
from storage.models import (
    Endorsement,
    HiddenQuote,
    ImportedRow,
    Problem,
    ProblemBase,
    Resident,
    Theme,
)
from storage.queries.themes import theme_label


def add_problem(
    session: Session,
    *,
    resident_id: int | None,
    problem: flows.problem.Problem,
    source: str,
    now: datetime,
) -> int:
    """Validate and store a problem; return its id."""
    valid = ProblemBase.model_validate(problem.values() | {"source": source})
    row = Problem(**valid.model_dump(), resident_id=resident_id, created_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None  # the flush assigned it
    return row.id


def problem_records(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    hide_blocked: bool = False,
    language: str = "nb",
    ids: Collection[int] | None = None,
) -> list[ProblemRecord]:
    """Return the problems created in [since, until), oldest first.

    ``hide_blocked`` leaves out the reports of residents staff have blocked (for digests);
    theme labels are in the staff ``language``; quotes staff hid are marked ``quote_hidden``;
    ``ids`` keeps only those problems.
    """
    # Counted in the same query: a list of ids as parameters breaks past SQLite's variable limit.
    endorsed = (
        select(col(Endorsement.problem_id).label("problem_id"), func.count().label("count"))
        .group_by(col(Endorsement.problem_id))
        .subquery()
    )
    query = (
        select_rows(
            Problem, col(Resident.pseudonym), Theme, endorsed.c.count, col(HiddenQuote.problem_id)
        )
        .outerjoin(Resident, col(Problem.resident_id) == col(Resident.id))
        .outerjoin(Theme, col(Problem.theme_id) == col(Theme.id))
        .outerjoin(endorsed, endorsed.c.problem_id == col(Problem.id))
        .outerjoin(HiddenQuote, col(HiddenQuote.problem_id) == col(Problem.id))
    )
    if hide_blocked:
        query = query.where(col(Resident.blocked_at).is_(None))
    if since is not None:
        query = query.where(col(Problem.created_at) >= since)
    if until is not None:
        query = query.where(col(Problem.created_at) < until)
    if ids is not None:
        query = query.where(col(Problem.id).in_(list(ids)))
    query = query.order_by(col(Problem.created_at), col(Problem.id))
    return [
        replace(
            _record(problem, pseudonym, theme, language),
            endorsements=count or 0,
            quote_hidden=hidden is not None,
        )
        for problem, pseudonym, theme, count, hidden in session.execute(query)
    ]


def problem_stamps(
    session: Session, *, since: datetime, until: datetime, hide_blocked: bool = False
) -> list[tuple[datetime, int | None]]:
    """Return when each problem of [since, until) was reported, and its theme."""
    query = (
        select(col(Problem.created_at), col(Problem.theme_id))
        .outerjoin(Resident, col(Problem.resident_id) == col(Resident.id))
        .where(Problem.created_at >= since, Problem.created_at < until)
    )
    if hide_blocked:
        query = query.where(col(Resident.blocked_at).is_(None))
    return [(created_at, theme) for created_at, theme in session.exec(query)]


def _record(
    problem: Problem, pseudonym: str | None, theme: Theme | None = None, language: str = "nb"
) -> ProblemRecord:
    assert problem.id is not None  # loaded rows have ids
    described = {f.name: getattr(problem, f.name) for f in fields(flows.problem.Problem)}
    return ProblemRecord.from_values(
        described
        | {
            "id": problem.id,
            "created_at": problem.created_at,
            "resident": pseudonym or "",
            "source": problem.source,
            "theme": problem.theme_id,
            "theme_label": theme_label(theme, language) if theme is not None else "",
        }
    )


def count_problems(session: Session) -> int:
    """Return how many problems are stored."""
    return session.exec(select(func.count()).select_from(Problem)).one()


def count_problems_between(session: Session, *, since: datetime, until: datetime) -> int:
    """Return how many problems were created in [since, until)."""
    query = (
        select(func.count())
        .select_from(Problem)
        .where(Problem.created_at >= since, Problem.created_at < until)
    )
    return session.exec(query).one()


def import_problem(
    session: Session, *, content_hash: str, problem: flows.problem.Problem, now: datetime
) -> bool:
    """Store an imported note unless the same note was imported before; True if stored."""
    if session.get(ImportedRow, content_hash) is not None:
        return False
    problem_id = add_problem(
        session=session, resident_id=None, problem=problem, source="import", now=now
    )
    session.add(ImportedRow(content_hash=content_hash, problem_id=problem_id))
    session.flush()
    return True


def endorse(session: Session, *, resident_id: int, problem_id: int, now: datetime) -> bool:
    """Record "same for me" by the resident; False if it is their own or they did before."""
    problem = session.get(Problem, problem_id)
    if problem is None or problem.resident_id == resident_id:
        return False
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Endorsement)
        .values(problem_id=problem_id, resident_id=resident_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["problem_id", "resident_id"])
        .returning(col(Endorsement.id))
    )
    return session.exec(statement).first() is not None


def similar_candidates(
    session: Session, *, resident_id: int, workshop: str, area: str, limit: int = 200
) -> list[Candidate]:
    """Return recent problems of others in the same workshop or area, not yet endorsed by them.

    A problem tied to no place (no workshop, no area or "other") is compared with every area's.
    Quotes staff hid and reports of blocked residents are never offered.
    """
    places = []
    if workshop:
        places.append(col(Problem.workshop) == workshop)
    if area and area != "other":
        places.append(col(Problem.area) == area)
    # Each place's newest read in order from its own index (migration 0021, SQLite), merged:
    # "workshop OR area" made SQLite sort every problem of the area (0.4-2.5 s at 1M stored,
    # inside the transaction that saves a problem).
    found: dict[int, tuple[datetime, Candidate]] = {}
    for place in places or [true()]:
        for *row, created_at in session.execute(_recent_candidates(place, resident_id, limit)):
            found[row[0]] = (created_at, Candidate(*row))
    newest = sorted(found.items(), key=lambda item: (item[1][0], item[0]), reverse=True)
    return [candidate for _, (_, candidate) in newest[:limit]]


def _recent_candidates(place: Any, resident_id: int, limit: int) -> Any:
    """Return the query of the newest ``limit`` candidates at one place, for ``resident_id``."""
    # Columns, not ORM objects: up to 200 rows at every saved problem.
    return (
        select_rows(
            col(Problem.id),
            col(Problem.text),
            col(Problem.language),
            col(Problem.workshop),
            col(Problem.area),
            col(Problem.created_at),
        )
        .where(
            place,
            or_(col(Problem.resident_id).is_(None), col(Problem.resident_id) != resident_id),
            or_(  # staff blocked them: their words go to no one (NULL NOT IN is never true)
                col(Problem.resident_id).is_(None),
                col(Problem.resident_id).not_in(
                    select(Resident.id).where(col(Resident.blocked_at).is_not(None))
                ),
            ),
            col(Problem.id).not_in(select(HiddenQuote.problem_id)),
            col(Problem.id).not_in(  # once said "same for me", not asked about again
                select(Endorsement.problem_id).where(Endorsement.resident_id == resident_id)
            ),
        )
        .order_by(col(Problem.created_at).desc(), col(Problem.id).desc())
        .limit(limit)
    )
