"""Reads for the web workspace: the problems of a view, light or whole, paged, counted, by week.

A view is ``flows.workspace.Filters`` plus its resolved period. "Light" records leave out the
words (text and suggestion) that counting never needs, so a year of problems loads quickly.
"""

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from flows.periods import Period
from flows.records import ProblemRecord
from flows.workspace import Filters
from storage.models import Endorsement, HiddenQuote, Problem, Resident, Theme
from storage.queries.themes import theme_label

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])


def _endorsed() -> Any:
    return (
        select(col(Endorsement.problem_id).label("problem_id"), func.count().label("count"))
        .group_by(col(Endorsement.problem_id))
        .subquery()
    )


def in_view(query: Q, filters: Filters, period: Period | None) -> Q:
    """Narrow ``query`` (over Problem) to the view."""
    if period is not None:
        query = query.where(
            col(Problem.created_at) >= period.start, col(Problem.created_at) < period.end
        )
    for name in ("area", "language", "workshop", "source"):
        if value := getattr(filters, name):
            query = query.where(col(getattr(Problem, name)) == value)
    if filters.group:
        # Groups are a JSON list of keys: match the quoted key in its text.
        query = query.where(cast(col(Problem.groups), String).like(f'%"{filters.group}"%'))
    if filters.text:
        words = filters.text.replace("\\", "").replace("%", "").replace("_", " ").split()
        if words:  # a text of wildcards only narrows nothing
            query = query.where(and_(*(col(Problem.text).ilike(f"%{w}%") for w in words)))
    return query


def theme_labels(session: Session) -> dict[int, str]:
    """Return the label staff see for every theme not merged away."""
    query = select(Theme).where(col(Theme.merged_into).is_(None))
    return {theme.id: theme_label(theme) for theme in session.execute(query).scalars()}


def full_records(
    session: Session,
    *,
    filters: Filters,
    period: Period | None,
    theme: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[ProblemRecord]:
    """Return the view's whole problems (words too), newest first; a page of them if ``limit``."""
    endorsed = _endorsed()
    query = (
        select(Problem, col(Resident.pseudonym), Theme, endorsed.c.count)
        .outerjoin(Resident, col(Problem.resident_id) == col(Resident.id))
        .outerjoin(Theme, col(Problem.theme_id) == col(Theme.id))
        .outerjoin(endorsed, endorsed.c.problem_id == col(Problem.id))
    )
    query = in_view(query, filters, period)
    if theme is not None:
        query = query.where(col(Problem.theme_id) == theme)
    query = query.order_by(col(Problem.created_at).desc(), col(Problem.id).desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    records = []
    for problem, pseudonym, theme_row, count in session.execute(query):
        record = ProblemRecord(
            id=problem.id,
            created_at=problem.created_at,
            resident=pseudonym or "",
            text=problem.text,
            language=problem.language,
            suggested_solution=problem.suggested_solution,
            solution_language=problem.solution_language,
            groups=tuple(problem.groups or ()),
            area=problem.area,
            frequency=problem.frequency,
            severity=problem.severity,
            source=problem.source,
            workshop=problem.workshop,
            theme=problem.theme_id,
            theme_label=theme_label(theme_row) if theme_row is not None else "",
            endorsements=count or 0,
        )
        records.append(record)
    return records


def count_view(
    session: Session, *, filters: Filters, period: Period | None, theme: int | None = None
) -> int:
    """Return how many problems the view holds."""
    query = in_view(select(func.count()).select_from(Problem), filters, period)
    if theme is not None:
        query = query.where(col(Problem.theme_id) == theme)
    return int(session.execute(query).scalar_one())


def cell_totals(session: Session, *, period: Period | None) -> list[tuple[list[str], str, int]]:
    """Return (groups, area, problems) of every combination stored in the period."""
    groups = cast(col(Problem.groups), String)  # grouped by the JSON's text: few distinct lists
    query = select(groups, col(Problem.area), func.count()).group_by(groups, col(Problem.area))
    if period is not None:
        query = query.where(
            col(Problem.created_at) >= period.start, col(Problem.created_at) < period.end
        )
    return [(json.loads(text or "[]"), area, int(n)) for text, area, n in session.execute(query)]


def hidden_ids(session: Session, *, ids: Sequence[int]) -> set[int]:
    """Return which of these problems have hidden words."""
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        query = select(col(HiddenQuote.problem_id)).where(col(HiddenQuote.problem_id).in_(chunk))
        found.update(session.execute(query).scalars())
    return found
