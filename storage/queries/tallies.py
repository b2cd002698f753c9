"""Sums of a workspace view, counted by the database: totals, segments, themes and weeks.

Grouped over the indexed columns so a year of problems is counted without loading a row each;
``flows.tallies`` turns the sums into the figures the pages show.
"""

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain, pairwise
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from flows.periods import Period
from flows.priority import PER_YEAR
from flows.records import IMPORTED
from flows.tallies import Before, Segment, ThemeSums, ViewSums
from flows.workspace import Filters
from storage.indexed import indexed_by
from storage.models import Endorsement, Problem
from storage.queries import weekly
from storage.queries.explore import in_view
from storage.queries.weekly import Weeks
from storage.together import Part, together

_GROUPS = cast(col(Problem.groups), String)  # the JSON's text: few distinct lists
# Grouped by an expression, not the column: SQLite then reads the period's rows through the
# created_at index instead of every problem through the theme index (four weeks: 10x faster).
_THEME = col(Problem.theme_id) + literal_column("0")
# SQLite sorts a GROUP BY's rows unless an index hands them over in that order. From about a
# quarter of a year on, reading a whole index in theme or segment order (skipping the rows
# outside the period) is cheaper than sorting the period's rows: a year of 100,000 problems
# 18 ms against 60 for the segments, 50 against 59 + 25 for the theme sums and group lists.
_ORDERED_FROM = timedelta(days=92)
_PROBLEM = Problem.__table__  # type: ignore[attr-defined]
# The JSON's text as stored: grouped by the bare column, SQLite sees the index's order.
_STORED_GROUPS = type_coerce(col(Problem.groups), String)


def _ordered(session: Session, filters: Filters, period: Period | None) -> bool:
    """Tell whether SQLite should count the view from an index in its grouping's order."""
    if session.get_bind().dialect.name != "sqlite" or filters.text:
        return False  # a text filter reads the rows anyway
    return period is None or period.end - period.start >= _ORDERED_FROM


@lru_cache(maxsize=4096)  # a year holds tens of thousands of rows but few distinct lists
def _groups(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text or "[]"))


def _theme_groups(session: Session, filters: Filters, period: Period | None) -> dict[int, str]:
    """Return each theme's distinct group lists joined by commas: a JSON list once bracketed.

    Deduplicated first, then joined: a handful of rows per theme reach Python, and the
    database never sorts a year of lists per theme (PostgreSQL does for ``DISTINCT`` inside
    an aggregate: 0.5 s on a year of a million problems).
    """
    pairs = select(_THEME.label("theme"), _GROUPS.label("groups")).where(_THEME.is_not(None))
    lists = in_view(pairs, filters, period).distinct().subquery()
    query = select(lists.c.theme, func.aggregate_strings(lists.c.groups, ",")).group_by(
        lists.c.theme
    )
    return {int(theme): text for theme, text in session.execute(query)}


def _union(lists: str | None) -> frozenset[str]:
    return frozenset(chain.from_iterable(one or () for one in json.loads(f"[{lists or ''}]")))


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """Count the rows where ``condition`` holds (0, not NULL, when there are none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _within(period: Period) -> ColumnElement[bool]:
    created = col(Problem.created_at)
    return and_(created >= period.start, created < period.end)


def _people_in(session: Session, filters: Filters, period: Period | None) -> tuple[int, int]:
    """Return the view's problems and residents (each erased one a resident, notes none)."""
    anonymous = col(Problem.resident_id).is_(None)
    people = select(
        func.count(),
        func.count(func.distinct(col(Problem.resident_id))),
        _flag(and_(anonymous, col(Problem.source) != IMPORTED)),
    ).select_from(Problem)
    problems, named, erased = session.execute(in_view(people, filters, period)).one()
    return int(problems), int(named) + int(erased)


def _people(
    session: Session, filters: Filters, period: Period | None, earlier: Period | None = None
) -> list[tuple[int, int]]:
    """Return the problems and residents of the view, and of ``earlier`` (just before it).

    PostgreSQL counts both periods in one pass over the problems (each pass over a year of a
    million takes 0.15-0.25 s). SQLite counts each from its covering index faster than it
    works out one pass's conditions (2 x 23 ms against 87 ms for a year of 100,000).
    """
    if period is None or earlier is None or session.get_bind().dialect.name != "postgresql":
        spans = [period] if earlier is None else [period, earlier]
        return [_people_in(session, filters, span) for span in spans]
    anonymous = col(Problem.resident_id).is_(None)
    erased = and_(anonymous, col(Problem.source) != IMPORTED)
    columns = []
    for span in (period, earlier):
        inside = _within(span)
        named = func.count(func.distinct(case((inside, col(Problem.resident_id)), else_=None)))
        columns += [_flag(inside), named, _flag(and_(inside, erased))]
    both = in_view(select(*columns), filters, Period(earlier.start, period.end))
    row = [int(n) for n in session.execute(both.select_from(Problem)).one()]
    return [(row[0], row[1] + row[2]), (row[3], row[4] + row[5])]


def view_sums(
    session: Session,
    *,
    filters: Filters,
    period: Period | None,
    earlier: Period | None = None,
    summed: bool = True,
) -> tuple[ViewSums, Before]:
    """Add up the view's problems: totals, counts by segment and the sums of every theme.

    With ``earlier`` (the period just before the view's), also count what that one held; else
    the second value is an empty ``Before``. Unless ``summed`` is False, whole weeks are added
    up from the weekly sums where PostgreSQL keeps them (``storage.queries.weekly``).
    """
    weeks = weekly.weeks_of(session, filters, period, summed=summed)
    parts: list[Part] = [
        # The slowest: on ``session``, with the themes of ``earlier``.
        lambda s: theme_sums_before(
            s, filters=filters, period=period, earlier=earlier, summed=summed
        ),
        lambda s: _people(s, filters, period, earlier),
        lambda s: _segments(s, filters, period, weeks),
    ]
    (themes, before_themes), people, segments = together(session, parts)
    problems, residents = people[0]
    current = ViewSums(problems, residents, segments, tuple(themes))
    if earlier is None:
        return current, Before()
    previous, previous_residents = people[1]
    return current, Before(previous, previous_residents, before_themes)


def _segments(
    session: Session, filters: Filters, period: Period | None, weeks: Weeks | None = None
) -> dict[Segment, int]:
    """Count the view's problems by area, groups, language and source."""
    if weeks is not None:
        summed: Counter[Segment] = Counter()
        for (area, text, language, source), count in weekly.segment_texts(session, weeks).items():
            summed[(area, _groups(text), language, source)] += count
        for end in weeks.ends:
            summed.update(_segments(session, filters, end))
        return dict(summed)
    ordered = _ordered(session, filters, period)
    groups = _STORED_GROUPS if ordered else _GROUPS
    keys = (col(Problem.area), groups, col(Problem.language), col(Problem.source))
    query = in_view(select(*keys, func.count()).group_by(*keys), filters, period)
    if ordered:
        query = indexed_by(query, _PROBLEM, "ix_problem_segments")
    segments: Counter[Segment] = Counter()
    for area, text, language, source, count in session.execute(query):
        segments[(area, _groups(text), language, source)] += int(count)
    return dict(segments)


def theme_problems(session: Session, *, filters: Filters, period: Period) -> dict[int, int]:
    """Count the view's problems per theme."""
    ordered = _ordered(session, filters, period)
    theme = col(Problem.theme_id) if ordered else _THEME
    query = select(theme, func.count()).where(theme.is_not(None)).group_by(theme)
    query = in_view(query, filters, period)
    if ordered:
        query = indexed_by(query, _PROBLEM, "ix_problem_themes")
    return {int(t): int(n) for t, n in session.execute(query)}


def _distinct() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Count distinct residents and distinct named areas."""
    return (
        func.count(func.distinct(col(Problem.resident_id))),
        func.count(func.distinct(func.nullif(col(Problem.area), ""))),
    )


def _theme_distinct(
    session: Session, filters: Filters, period: Period | None, earlier: Period | None
) -> dict[int, tuple[int, int, int]]:
    """Return each theme's distinct residents and areas, and its problems in ``earlier``.

    PostgreSQL sorts the rows of a ``DISTINCT`` aggregate, and cannot spread such a statement
    over parallel workers: a year of a million problems took 0.5-0.7 s sorted by theme. Grouped
    by the bare column, it reads them already ordered from ``ix_problem_theme_residents_pg``
    (theme, resident, time; the area included), and the other sums run in parallel without it.
    That read passes over every problem whatever the period, so the themes of the period just
    before are counted in it too, instead of in a pass of their own.
    """
    theme = col(Problem.theme_id)
    query: Select[*tuple[Any, ...]]
    if period is None or earlier is None:
        query = in_view(select(theme, *_distinct(), literal_column("0")), filters, period)
    else:
        inside = _within(period)
        resident = col(Problem.resident_id)
        area = func.nullif(col(Problem.area), "")
        columns = (
            func.count(func.distinct(resident)).filter(inside),
            func.count(func.distinct(area)).filter(inside),
            func.count().filter(_within(earlier)),
        )
        both = Period(min(earlier.start, period.start), max(earlier.end, period.end))
        query = in_view(select(theme, *columns), filters, both)
    query = query.where(theme.is_not(None)).group_by(theme)
    return {int(t): (int(r), int(a), int(b)) for t, r, a, b in session.execute(query)}


def _theme_endorsements(
    session: Session, filters: Filters, period: Period | None
) -> dict[int, int]:
    """Count the endorsements of each theme's problems in the view (from the endorsements)."""
    theme = col(Problem.theme_id)
    query = select(theme, func.count()).select_from(Endorsement)
    query = query.join(Problem, col(Problem.id) == col(Endorsement.problem_id))
    query = in_view(query.where(theme.is_not(None)).group_by(theme), filters, period)
    return {int(t): int(n) for t, n in session.execute(query)}


def theme_sums(
    session: Session, *, filters: Filters, period: Period | None, summed: bool = True
) -> list[ThemeSums]:
    """Add up each theme's problems in the view: what its priority is computed from."""
    return theme_sums_before(session, filters=filters, period=period, summed=summed)[0]


def _theme_query(session: Session, filters: Filters, period: Period | None) -> Select[Any]:
    """Return the statement that adds up each theme's problems in the view."""
    endorsed = (
        select(col(Endorsement.problem_id).label("problem_id"), func.count().label("count"))
        .group_by(col(Endorsement.problem_id))
        .subquery()
    )
    anonymous = col(Problem.resident_id).is_(None)
    rate = case(*((col(Problem.frequency) == k, v) for k, v in PER_YEAR.items()), else_=None)
    apart = session.get_bind().dialect.name == "postgresql"
    ordered = _ordered(session, filters, period)
    key = col(Problem.theme_id) if ordered else _THEME
    # In theme order SQLite joins each theme's distinct lists in the same pass.
    lists_here = (func.group_concat(_STORED_GROUPS.distinct()),) if ordered else ()
    query = (
        select(
            key,
            func.count(),
            _flag(anonymous),
            _flag(and_(anonymous, col(Problem.source) != IMPORTED)),
            _flag(col(Problem.source) == IMPORTED),
            # PostgreSQL counts them apart: without the join it reads the covering index only.
            literal_column("0") if apart else func.coalesce(func.sum(endorsed.c.count), 0),
            func.coalesce(func.sum(col(Problem.severity)), 0),
            func.count(col(Problem.severity)),
            func.coalesce(func.sum(rate), 0),
            func.count(rate),
            *(() if apart else _distinct()),
            *lists_here,
        )
        .where(key.is_not(None))
        .group_by(key)
    )
    if not apart:
        query = query.outerjoin(endorsed, endorsed.c.problem_id == col(Problem.id))
    query = in_view(query, filters, period)
    if ordered:
        query = indexed_by(query, _PROBLEM, "ix_problem_themes")
    return query


def _theme_rows(
    session: Session, filters: Filters, period: Period | None, weeks: Weeks | None
) -> list[Sequence[Any]]:
    """Return the rows of ``_theme_query``, the whole weeks added up from the weekly sums."""
    if weeks is None:
        return list(session.execute(_theme_query(session, filters, period)).all())
    sums = weekly.theme_rows(session, weeks)
    for end in weeks.ends:
        for theme, *values in session.execute(_theme_query(session, filters, end)):
            mine = sums.setdefault(int(theme), [0] * len(values))
            for i, value in enumerate(values):
                mine[i] += value
    return [(theme, *values) for theme, values in sorted(sums.items())]


def _theme_group_sets(
    session: Session, filters: Filters, period: Period | None, weeks: Weeks | None
) -> dict[int, frozenset[str]]:
    """Return the groups each theme's problems in the view named."""
    if weeks is None:
        return {t: _union(text) for t, text in _theme_groups(session, filters, period).items()}
    groups = weekly.theme_groups(session, weeks)
    for end in weeks.ends:
        for theme, text in _theme_groups(session, filters, end).items():
            groups.setdefault(theme, set()).update(_union(text))
    return {theme: frozenset(named) for theme, named in groups.items()}


def theme_sums_before(
    session: Session,
    *,
    filters: Filters,
    period: Period | None,
    earlier: Period | None = None,
    summed: bool = True,
) -> tuple[list[ThemeSums], dict[int, int]]:
    """Return each theme's sums in the view, and its problems in ``earlier`` (if given).

    Unless ``summed`` is False, whole weeks are added up from the weekly sums where PostgreSQL
    keeps them (``storage.queries.weekly``).
    """
    apart = session.get_bind().dialect.name == "postgresql"
    ordered = _ordered(session, filters, period)
    weeks = weekly.weeks_of(session, filters, period, summed=summed)
    span = earlier
    parts: list[Part] = [
        lambda s: _theme_rows(s, filters, period, weeks),
        lambda s: _theme_distinct(s, filters, period, span) if apart else {},
        lambda s: {} if ordered else _theme_group_sets(s, filters, period, weeks),
    ]
    if apart:
        parts.append(lambda s: _theme_endorsements(s, filters, period))
    elif span is not None:  # PostgreSQL counts them in the distinct pass
        parts.append(lambda s: theme_problems(s, filters=filters, period=span))
    rows, distinct, lists, *more = together(session, parts)
    before = more[0] if more and not apart else {}
    endorsements = more[0] if apart else {}
    if apart and span is not None:
        before = {theme: n for theme, (_, _, n) in distinct.items() if n}
    sums = []
    for row in rows:
        theme = int(row[0])
        residents, areas = distinct.get(theme, (0, 0, 0))[:2] if apart else (row[10], row[11])
        sums.append(
            ThemeSums(
                theme=theme,
                problems=int(row[1]),
                residents=int(residents),
                anonymous=int(row[2]),
                erased=int(row[3]),
                notes=int(row[4]),
                endorsements=int(endorsements.get(theme, 0) if apart else row[5]),
                severity_total=int(row[6]),
                rated=int(row[7]),
                per_year_total=float(row[8]),
                timed=int(row[9]),
                areas=int(areas),
                groups=_union(row[12]) if ordered else lists.get(theme, frozenset()),
            )
        )
    return sums, before


def week_counts(
    session: Session, *, filters: Filters, bounds: Sequence[datetime], theme: int | None = None
) -> dict[int | None, list[int]]:
    """Count the view's problems in each [bounds[i], bounds[i + 1]) by theme (not its period)."""
    created = col(Problem.created_at)
    weeks = [_flag(and_(created >= start, created < end)) for start, end in pairwise(bounds)]
    query = in_view(
        select(_THEME, *weeks).group_by(_THEME),
        filters,
        Period(bounds[0], bounds[-1]),
    )
    if theme is not None:
        query = query.where(col(Problem.theme_id) == theme)
    return {row[0]: [int(n) for n in row[1:]] for row in session.execute(query)}


def theme_cells(session: Session, *, theme: int) -> tuple[int, Counter[tuple[str, str]]]:
    """Return a theme's problems and its (group, area) counts; each group of a problem counts."""
    query = (
        select(_GROUPS, col(Problem.area), func.count())
        .where(col(Problem.theme_id) == theme)
        .group_by(_GROUPS, col(Problem.area))
    )
    cells: Counter[tuple[str, str]] = Counter()
    total = 0
    for text, area, count in session.execute(query):
        total += int(count)
        for group in _groups(text) or ("",):
            cells[(group, area)] += int(count)
    return total, cells


def area_counts(
    session: Session, *, filters: Filters, period: Period | None, theme: int | None = None
) -> Counter[str]:
    """Count the view's problems (of ``theme``, if given) by area ("" when none was named)."""
    query = in_view(select(col(Problem.area), func.count()), filters, period)
    if theme is not None:
        query = query.where(col(Problem.theme_id) == theme)
    query = query.group_by(col(Problem.area))
    return Counter({area: int(count) for area, count in session.execute(query)})
