"""A digest's figures counted by the database: no period, however long, is loaded row by row.

``digest_sums`` adds up the period (totals, segments, themes with their priority inputs), the
period before, the earlier periods and the trend weeks; ``quote_candidates`` hands over the
best few quotes of each area, of each set of groups and of all, ranked by the stored
``quote_words``. ``flows.digest_sums`` turns both into the digest ``build_digest`` would give.
Blocked residents' reports are left out everywhere, as the digest leaves them out.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from flows.digest import SEVERE_AT_LEAST, SEVERE_LIMIT, TOP_LIMIT
from flows.digest_sums import DigestSums, QuoteCut, ThemeDetail
from flows.periods import Period
from flows.priority import PER_YEAR, Weights
from flows.records import IMPORTED, ProblemRecord
from flows.tallies import Before, ThemeSums, ViewSums, ranked
from flows.trend import Earlier, Week
from storage.models import Endorsement, HiddenQuote, Problem, Resident, Theme
from storage.queries.problems import problem_records
from storage.queries.tallies import _GROUPS, _THEME, _flag, _groups
from storage.queries.themes import theme_label

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
Key = tuple[int, int, float, int]  # flows.digest.quote_rank, from the stored columns


def _unblocked() -> ColumnElement[bool]:
    blocked = select(col(Resident.id)).where(col(Resident.blocked_at).is_not(None))
    resident = col(Problem.resident_id)
    return or_(resident.is_(None), resident.not_in(blocked))


def _span(session: Session) -> tuple[datetime | None, datetime | None]:
    first, last = session.execute(
        select(func.min(col(Problem.created_at)), func.max(col(Problem.created_at)))
    ).one()
    return first, last


class _Scope:
    """Narrow queries to a period's problems of residents not blocked.

    A period holding every stored problem is not narrowed by date at all: SQLite would read the
    whole table through the date index, one row at a time, instead of straight through.
    """

    def __init__(self, session: Session) -> None:
        self.first, self.last = _span(session)

    def __call__(self, query: Q, start: datetime, end: datetime) -> Q:
        query = query.where(_unblocked())
        if self.first is None or self.last is None:
            return query
        if start > self.first:
            query = query.where(col(Problem.created_at) >= start)
        if end <= self.last:
            query = query.where(col(Problem.created_at) < end)
        return query


def _people(session: Session, scope: _Scope, period: Period) -> tuple[int, int, int]:
    """Return the problems, residents (each erased one a resident) and suggestions."""
    anonymous = col(Problem.resident_id).is_(None)
    query = select(
        func.count(),
        func.count(func.distinct(col(Problem.resident_id))),
        _flag(and_(anonymous, col(Problem.source) != IMPORTED)),
        _flag(func.trim(col(Problem.suggested_solution)) != ""),
    ).select_from(Problem)
    problems, named, erased, suggestions = session.execute(
        scope(query, period.start, period.end)
    ).one()
    return int(problems), int(named) + int(erased), int(suggestions)


def _segments(
    session: Session, scope: _Scope, period: Period
) -> dict[tuple[str, tuple[str, ...], str, str], int]:
    keys = (col(Problem.area), _GROUPS, col(Problem.language), col(Problem.source))
    query = scope(select(*keys, func.count()).group_by(*keys), period.start, period.end)
    segments: Counter[tuple[str, tuple[str, ...], str, str]] = Counter()
    for area, groups, language, source, count in session.execute(query):
        segments[(area, _groups(groups), language, source)] += int(count)
    return dict(segments)


def _theme_sums(session: Session, scope: _Scope, period: Period) -> list[ThemeSums]:
    """Add up each theme's problems: what its priority is computed from."""
    anonymous = col(Problem.resident_id).is_(None)
    rate = case(*((col(Problem.frequency) == k, v) for k, v in PER_YEAR.items()), else_=None)
    query = select(
        _THEME,
        func.count(),
        func.count(func.distinct(col(Problem.resident_id))),
        _flag(anonymous),
        _flag(and_(anonymous, col(Problem.source) != IMPORTED)),
        _flag(col(Problem.source) == IMPORTED),
        func.coalesce(func.sum(col(Problem.severity)), 0),
        func.count(col(Problem.severity)),
        func.coalesce(func.sum(rate), 0),
        func.count(rate),
        func.count(func.distinct(func.nullif(col(Problem.area), ""))),
    ).where(_THEME.is_not(None))
    rows = session.execute(scope(query.group_by(_THEME), period.start, period.end)).all()
    # Driven from the endorsements, which are few: joined the other way, every problem is read.
    endorsed = (
        select(_THEME, func.count())
        .select_from(Endorsement)
        .join(Problem, col(Problem.id) == col(Endorsement.problem_id))
        .where(_THEME.is_not(None))
        .group_by(_THEME)
    )
    endorsements = {
        int(t): int(n) for t, n in session.execute(scope(endorsed, period.start, period.end))
    }
    groups: defaultdict[int, set[str]] = defaultdict(set)
    by_list = select(_THEME, _GROUPS).where(_THEME.is_not(None)).group_by(_THEME, _GROUPS)
    for theme, text in session.execute(scope(by_list, period.start, period.end)):
        groups[theme].update(_groups(text))
    return [
        ThemeSums(
            theme=int(row[0]),
            problems=int(row[1]),
            residents=int(row[2]),
            anonymous=int(row[3]),
            erased=int(row[4]),
            notes=int(row[5]),
            endorsements=int(endorsements.get(row[0], 0)),
            severity_total=int(row[6]),
            rated=int(row[7]),
            per_year_total=float(row[8]),
            timed=int(row[9]),
            areas=int(row[10]),
            groups=frozenset(groups[row[0]]),
        )
        for row in rows
    ]


def _details(
    session: Session, scope: _Scope, period: Period, themes: Sequence[int], language: str
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


def _periods(session: Session, scope: _Scope, periods: Sequence[Period]) -> tuple[Earlier, ...]:
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


def _weeks(session: Session, scope: _Scope, bounds: Sequence[datetime]) -> tuple[Week, ...]:
    created = col(Problem.created_at)
    flags = [_flag(and_(created >= a, created < b)) for a, b in pairwise(bounds)]
    counts = session.execute(scope(select(*flags), bounds[0], bounds[-1])).one()
    return tuple(Week(start.date(), int(n)) for start, n in zip(bounds, counts, strict=False))


def digest_sums(
    session: Session,
    *,
    period: Period,
    before: Period,
    earlier: Sequence[Period],
    weeks: Sequence[datetime],
    weights: Weights,
    language: str = "nb",
) -> DigestSums:
    """Count the digest of ``period``: ``before`` is the period before it, ``earlier`` the
    periods looked at for "new" and "rising" (the latest first), ``weeks`` the trend's bounds.
    """
    scope = _Scope(session)
    problems, residents, suggestions = _people(session, scope, period)
    themes = _theme_sums(session, scope, period)
    current = ViewSums(problems, residents, _segments(session, scope, period), tuple(themes))
    previous, previous_residents, _ = _people(session, scope, before)
    before_themes = select(_THEME, func.count()).where(_THEME.is_not(None)).group_by(_THEME)
    top = [sums.theme for sums, _ in ranked(themes, weights)[:TOP_LIMIT]]
    return DigestSums(
        current=current,
        before=Before(
            previous,
            previous_residents,
            {
                int(t): int(n)
                for t, n in session.execute(scope(before_themes, before.start, before.end))
            },
        ),
        suggestions=suggestions,
        details=_details(session, scope, period, top, language),
        earlier=_periods(session, scope, earlier),
        trend=_weeks(session, scope, weeks),
        severe=tuple(_severe(session, scope, period, language)),
    )


def _quotable(scope: _Scope, query: Q, period: Period) -> Q:
    hidden = select(col(HiddenQuote.problem_id))
    return scope(query.where(col(Problem.id).not_in(hidden)), period.start, period.end)


def _severe(session: Session, scope: _Scope, period: Period, language: str) -> list[ProblemRecord]:
    query = _quotable(
        scope,
        select(col(Problem.id))
        .where(col(Problem.severity) >= SEVERE_AT_LEAST)
        .order_by(
            col(Problem.severity).desc(), col(Problem.created_at).desc(), col(Problem.id).desc()
        )
        .limit(SEVERE_LIMIT),
        period,
    )
    ids = list(session.execute(query).scalars())
    return problem_records(session=session, ids=ids, language=language) if ids else []


def _threshold(counts: Iterable[tuple[int, int]], keep: int) -> tuple[int, bool]:
    """Return the fewest words a list's best ``keep`` have, and whether the list is longer."""
    total = 0
    for words, count in sorted(counts, reverse=True):
        total += count
        if total >= keep:
            return words, True
    return 0, False


def quote_candidates(
    session: Session, *, period: Period, keep: int, language: str = "nb"
) -> tuple[list[ProblemRecord], QuoteCut]:
    """Return the ``keep`` best quotes of each area, of each set of groups and of all.

    Ranked as ``flows.digest.quote_rank`` ranks them; the cut names the last one kept of each
    list that had more.
    """
    scope = _Scope(session)
    words = col(Problem.quote_words)
    keys = (col(Problem.area), _GROUPS, words)
    areas: defaultdict[str, Counter[int]] = defaultdict(Counter)
    lists: defaultdict[tuple[str, ...], Counter[int]] = defaultdict(Counter)
    texts: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
    overall: Counter[int] = Counter()
    for area, text, count_words, count in session.execute(
        _quotable(scope, select(*keys, func.count()).group_by(*keys), period)
    ):
        areas[area][count_words] += count
        lists[_groups(text)][count_words] += count
        texts[_groups(text)].add(text)
        overall[count_words] += count
    floor, _ = _threshold(overall.items(), keep)
    by_area = {a: _threshold(c.items(), keep)[0] for a, c in areas.items()}
    by_text = {t: _threshold(c.items(), keep)[0] for g, c in lists.items() for t in texts[g]}
    enough = [words >= floor]
    if by_area:
        enough.append(words >= case(by_area, value=col(Problem.area), else_=0))
    if by_text:
        enough.append(words >= case(by_text, value=_GROUPS, else_=0))
    rows = session.execute(
        _quotable(
            scope,
            select(
                col(Problem.id),
                col(Problem.area),
                _GROUPS,
                words,
                func.length(col(Problem.text)),
                col(Problem.created_at),
            ).where(or_(*enough)),
            period,
        )
    ).all()
    ranked_rows = sorted(rows, key=lambda r: (-r[3], -r[4], -r[5].timestamp(), r[0]))
    chosen: set[int] = set()
    overall_cut: int | None = None
    cut_areas: dict[str, int] = {}
    cut_groups: dict[tuple[str, ...], int] = {}
    taken_area: Counter[str] = Counter()
    taken_list: Counter[tuple[str, ...]] = Counter()
    for number, (pid, area, text, *_) in enumerate(ranked_rows):
        groups = _groups(text)
        if number < keep:
            chosen.add(pid)
            if number == keep - 1 and sum(overall.values()) > keep:
                overall_cut = pid
        if taken_area[area] < keep:
            taken_area[area] += 1
            chosen.add(pid)
            if taken_area[area] == keep and sum(areas[area].values()) > keep:
                cut_areas[area] = pid
        if taken_list[groups] < keep:
            taken_list[groups] += 1
            chosen.add(pid)
            if taken_list[groups] == keep and sum(lists[groups].values()) > keep:
                cut_groups[groups] = pid
    records = problem_records(session=session, ids=chosen, language=language) if chosen else []
    return records, QuoteCut(cut_areas, cut_groups, overall_cut)
