"""A digest's figures counted by the database: no period, however long, is loaded row by row.

``digest_sums`` adds up the period (totals, segments, themes with their priority inputs), the
period before, the earlier periods and the trend weeks, and picks the quotes from a few
candidates (``storage/queries/digest_quotes.py``); ``flows.digest_sums`` turns the sums into
the digest ``build_digest`` would give. Blocked residents' reports are left out everywhere, as
the digest leaves them out.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlmodel import Session, col

from flows.digest import TOP_LIMIT, Quote
from flows.digest_sums import DigestSums, ThemeDetail, bound, undecided
from flows.periods import Period
from flows.priority import PER_YEAR, Weights
from flows.records import IMPORTED
from flows.tallies import Before, ThemeSums, ViewSums, ranked
from flows.trend import Earlier, Week
from storage.indexed import indexed_by
from storage.models import Endorsement, Problem, Theme
from storage.queries.digest_quotes import (
    ORDERED_FROM,
    Scope,
    by_blocked,
    pick_quotes,
    ranked_quotes,
    severe_records,
)
from storage.queries.tallies import _GROUPS, _STORED_GROUPS, _THEME, _flag, _groups
from storage.queries.themes import theme_label
from storage.together import Part, together

SEGMENT_INDEX = "ix_problem_segments"  # SQLite's: migration 0018
THEME_INDEX = "ix_problem_themes"
FIRST_THEMES = 2 * TOP_LIMIT  # counted exactly first: the best bounds; four times as many next


def _people(session: Session, scope: Scope, period: Period) -> tuple[int, int, int]:
    """Return the problems, residents (each erased one a resident) and suggestions."""
    anonymous = col(Problem.resident_id).is_(None)
    query = select(
        func.count(),
        _flag(and_(anonymous, col(Problem.source) != IMPORTED)),
        _flag(func.trim(col(Problem.suggested_solution)) != ""),
    ).select_from(Problem)
    problems, erased, suggestions = session.execute(scope(query, period.start, period.end)).one()
    return int(problems), _residents(session, scope, period) + int(erased), int(suggestions)


def _residents(session: Session, scope: Scope, period: Period) -> int:
    """Count the distinct residents with a problem in ``period``.

    Grouped first, then counted: PostgreSQL hashes in parallel workers, and SQLite reads the
    resident index in order when no date narrows the problems; ``COUNT(DISTINCT)`` would look
    up or sort every problem's resident. Narrowed by date, SQLite must not take that index:
    it would look up every problem's date in the table.
    """
    bare = col(Problem.resident_id)
    resident = bare if scope.everything(period.start, period.end) else bare + literal_column("0")
    named = select(resident).where(bare.is_not(None)).group_by(resident)
    grouped = scope(named, period.start, period.end).subquery()
    return int(session.execute(select(func.count()).select_from(grouped)).scalar_one())


Segments = dict[tuple[str, tuple[str, ...], str, str], int]
_PROBLEM = Problem.__table__  # type: ignore[attr-defined]


def _segments(session: Session, scope: Scope, period: Period) -> Segments:
    """Count the period's problems by area, groups, language and source."""
    ordered = scope.ordered(period)
    groups = _STORED_GROUPS if ordered else _GROUPS
    keys = (col(Problem.area), groups, col(Problem.language), col(Problem.source))
    query = select(*keys, func.count()).group_by(*keys)
    segments: Counter[tuple[str, tuple[str, ...], str, str]] = Counter()
    if not ordered:
        for area, text, language, source, count in session.execute(
            scope(query, period.start, period.end)
        ):
            segments[(area, _groups(text), language, source)] += count
        return dict(segments)
    # In segment order from the index alone, blocked residents' problems included: those few
    # (found through the resident index) are taken off after.
    every = indexed_by(scope.dated(query, period.start, period.end), _PROBLEM, SEGMENT_INDEX)
    for area, text, language, source, count in session.execute(every):
        segments[(area, _groups(text), language, source)] += count
    blocked = scope.dated(query.where(by_blocked()), period.start, period.end)
    for area, text, language, source, count in session.execute(blocked):
        segments[(area, _groups(text), language, source)] -= count
    return {key: count for key, count in segments.items() if count}


def _sums() -> tuple[ColumnElement[Any], ...]:
    """Return the sums of a theme's problems that need no DISTINCT."""
    anonymous = col(Problem.resident_id).is_(None)
    rate = case(*((col(Problem.frequency) == k, v) for k, v in PER_YEAR.items()), else_=None)
    return (
        func.count(),
        _flag(anonymous),
        _flag(and_(anonymous, col(Problem.source) != IMPORTED)),
        _flag(col(Problem.source) == IMPORTED),
        func.coalesce(func.sum(col(Problem.severity)), 0),
        func.count(col(Problem.severity)),
        func.coalesce(func.sum(rate), 0),
        func.count(rate),
        func.count(col(Problem.resident_id)),  # at least as many as distinct residents
    )


def _distinct() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Count distinct residents and distinct named areas."""
    return (
        func.count(func.distinct(col(Problem.resident_id))),
        func.count(func.distinct(func.nullif(col(Problem.area), ""))),
    )


def _theme_sums(
    session: Session, scope: Scope, period: Period, weights: Weights
) -> list[ThemeSums]:
    """Add up the themes that could rank in the top five: what their priority is computed from.

    Every theme's sums come first, with its residents and breadth as high as they could be
    (``flows.digest_sums.bound``): no DISTINCT, so SQLite reads the index in theme order and
    PostgreSQL hashes in parallel workers. Distinct residents, areas and groups, which cost
    most, are then counted only for the themes whose bound could still reach the top.
    """
    ordered = scope.ordered(period)
    key = col(Problem.theme_id) if ordered else _THEME
    query = select(key, *_sums()).where(key.is_not(None)).group_by(key)
    query = scope(query, period.start, period.end)
    if ordered:
        query = indexed_by(query, _PROBLEM, THEME_INDEX)
    rows, endorsements = together(
        session, [lambda s: s.execute(query).all(), lambda s: _endorsed(s, scope, period)]
    )
    bounds = {
        int(theme): bound(
            ThemeSums(
                theme=int(theme),
                problems=int(row[0]),
                residents=int(row[8]),
                anonymous=int(row[1]),
                erased=int(row[2]),
                notes=int(row[3]),
                endorsements=int(endorsements.get(theme, 0)),
                severity_total=int(row[4]),
                rated=int(row[5]),
                per_year_total=float(row[6]),
                timed=int(row[7]),
                areas=0,
            )
        )
        for theme, *row in rows
    }
    exact: dict[int, ThemeSums] = {}
    limit = FIRST_THEMES
    while todo := undecided(list(bounds.values()), exact, weights, limit):
        for theme, (residents, areas, lists) in _breadth(session, scope, period, todo).items():
            groups = frozenset(g for found in json.loads(f"[{lists}]") for g in found)
            exact[theme] = replace(bounds[theme], residents=residents, areas=areas, groups=groups)
        limit *= 4
    return list(exact.values())


def _breadth(
    session: Session, scope: Scope, period: Period, themes: Sequence[int]
) -> dict[int, tuple[int, int, str]]:
    """Return the distinct residents and areas of ``themes``, and their group lists joined.

    SQLite counts them in one pass. PostgreSQL cannot spread a DISTINCT over parallel
    workers: the residents and areas are read in theme order from
    ``ix_problem_theme_residents_pg``, the group lists deduplicated first, side by side.
    """
    if not scope.sqlite:
        distinct, lists = together(
            session,
            [
                lambda s: _theme_distinct(s, scope, period, themes),
                lambda s: _lists(s, scope, period, themes),
            ],
        )
        return {t: (*distinct[t], lists[t]) for t in themes}
    ordered = scope.ordered(period)
    key = col(Problem.theme_id) if ordered else _THEME
    groups = func.group_concat((_STORED_GROUPS if ordered else _GROUPS).distinct())
    query = select(key, *_distinct(), groups).where(key.in_(themes)).group_by(key)
    query = scope(query, period.start, period.end)
    if ordered:
        query = indexed_by(query, _PROBLEM, THEME_INDEX)
    return {int(t): (int(r), int(a), str(g)) for t, r, a, g in session.execute(query)}


def _endorsed(session: Session, scope: Scope, period: Period) -> dict[int, int]:
    """Count each theme's endorsements.

    A short period is driven from its problems, each one's endorsements found by the index.
    A long one from the endorsements, which are fewer than its problems, each problem looked up
    by its key: joined the other way (or hashed, as PostgreSQL would), every problem is read.
    """
    if period.end - period.start < ORDERED_FROM:
        joined = (
            select(_THEME, func.count())
            .select_from(Problem)
            .join(Endorsement, col(Endorsement.problem_id) == col(Problem.id))
            .where(_THEME.is_not(None))
            .group_by(_THEME)
        )
        counted = session.execute(scope(joined, period.start, period.end))
        return {int(t): int(n) for t, n in counted}
    theme = select(_THEME).where(col(Problem.id) == col(Endorsement.problem_id))
    themes = select(scope(theme, period.start, period.end).scalar_subquery().label("theme"))
    each = themes.select_from(Endorsement).subquery()
    # Those outside the period or unthemed come as None: left out here, not filtered in SQL,
    # where PostgreSQL would look each problem up twice.
    query = select(each.c.theme, func.count()).group_by(each.c.theme)
    return {int(t): int(n) for t, n in session.execute(query) if t is not None}


def _theme_distinct(
    session: Session, scope: Scope, period: Period, themes: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Return the distinct residents and areas of ``themes`` (PostgreSQL: in theme order)."""
    theme = col(Problem.theme_id)  # the bare column: the index hands the rows over in order
    query = select(theme, *_distinct()).where(theme.in_(themes)).group_by(theme)
    rows = session.execute(scope(query, period.start, period.end))
    return {int(t): (int(r), int(a)) for t, r, a in rows}


def _lists(
    session: Session, scope: Scope, period: Period, themes: Sequence[int]
) -> dict[int, str]:
    """Return the distinct group lists of ``themes`` joined by commas: a JSON list once
    bracketed. Deduplicated first, then joined: PostgreSQL would sort every problem's list for
    a DISTINCT inside the aggregate.
    """
    pairs = select(_THEME.label("theme"), _GROUPS.label("groups")).where(_THEME.in_(themes))
    found = scope(pairs, period.start, period.end).distinct().subquery()
    query = select(found.c.theme, func.aggregate_strings(found.c.groups, ","))
    return {int(t): str(text) for t, text in session.execute(query.group_by(found.c.theme))}


def _details(
    session: Session, scope: Scope, period: Period, themes: Sequence[int], language: str
) -> dict[int, ThemeDetail]:
    """Count where the top themes' problems come from, and name them in ``language``."""
    if not themes:
        return {}
    theme = col(Problem.theme_id)
    keys = (theme, col(Problem.area), _GROUPS, col(Problem.frequency))
    query = select(*keys, func.count()).where(theme.in_(themes)).group_by(*keys)
    areas: defaultdict[int, Counter[str]] = defaultdict(Counter)
    groups: defaultdict[int, Counter[str]] = defaultdict(Counter)
    frequencies: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for key, area, text, frequency, count in session.execute(
        scope(query, period.start, period.end)
    ):
        if area:
            areas[key][area] += count
        for group in _groups(text):
            groups[key][group] += count
        frequencies[key][frequency] += count
    rows = session.execute(select(Theme).where(col(Theme.id).in_(themes))).scalars()
    labels = {row.id: theme_label(row, language) for row in rows}
    return {
        key: ThemeDetail(labels.get(key, ""), areas[key], groups[key], frequencies[key])
        for key in themes
    }


def _periods(session: Session, scope: Scope, periods: Sequence[Period]) -> tuple[Earlier, ...]:
    """Count the problems of each period, in all and per theme."""
    if not periods:
        return ()
    created = col(Problem.created_at)
    flags = [_flag(and_(created >= p.start, created < p.end)) for p in periods]
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    query = scope(select(_THEME, *flags).group_by(_THEME), start, end)
    totals = [0] * len(periods)
    themes: list[dict[int, int]] = [{} for _ in periods]
    for theme, *counts in session.execute(query):
        for index, count in enumerate(counts):
            totals[index] += int(count)
            if theme is not None and count:
                themes[index][int(theme)] = int(count)
    return tuple(Earlier(total, found) for total, found in zip(totals, themes, strict=True))


def _weeks(session: Session, scope: Scope, bounds: Sequence[datetime]) -> tuple[Week, ...]:
    created = col(Problem.created_at)
    flags = [_flag(and_(created >= a, created < b)) for a, b in pairwise(bounds)]
    counts = session.execute(scope(select(*flags), bounds[0], bounds[-1])).one()
    return tuple(Week(start.date(), int(n)) for start, n in zip(bounds, counts, strict=False))


def _before(session: Session, scope: Scope, before: Period) -> Before:
    """Count what the period before held: problems, residents and problems per theme."""
    problems, residents, _ = _people(session, scope, before)
    themes = select(_THEME, func.count()).where(_THEME.is_not(None)).group_by(_THEME)
    counted = session.execute(scope(themes, before.start, before.end))
    return Before(problems, residents, {int(t): int(n) for t, n in counted})


def digest_sums(
    session: Session,
    *,
    period: Period,
    before: Period,
    earlier: Sequence[Period],
    weeks: Sequence[datetime],
    weights: Weights,
    language: str = "nb",
) -> tuple[DigestSums, tuple[Quote, ...]]:
    """Count the digest of ``period`` and pick its quotes.

    ``before`` is the period before it, ``earlier`` the periods looked at for "new" and
    "rising" (the latest first), ``weeks`` the trend's bounds. On PostgreSQL the passes run
    side by side on the read's snapshot (``storage.together``; in a staff read only).
    """
    scope = Scope(session)
    parts: list[Part] = [
        lambda s: _theme_sums(s, scope, period, weights),  # the slowest: on ``session``
        lambda s: _people(s, scope, period),
        lambda s: _segments(s, scope, period),
        lambda s: ranked_quotes(s, scope, period),
        lambda s: _before(s, scope, before),
        lambda s: tuple(severe_records(s, scope, period, language)),
        lambda s: (_periods(s, scope, earlier), _weeks(s, scope, weeks)),
    ]
    themes, people, segments, best, previous, severe, (counts, trend) = together(session, parts)
    problems, residents, suggestions = people
    top = [sums.theme for sums, _ in ranked(themes, weights)[:TOP_LIMIT]]
    quotes, details = together(
        session,
        [
            lambda s: pick_quotes(s, scope, period, best, segments, severe, language),
            lambda s: _details(s, scope, period, top, language),
        ],
    )
    sums = DigestSums(
        current=ViewSums(problems, residents, segments, tuple(themes)),
        before=previous,
        suggestions=suggestions,
        details=details,
        earlier=counts,
        trend=trend,
        severe=severe,
    )
    return sums, quotes
