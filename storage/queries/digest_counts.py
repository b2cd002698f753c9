"""A digest's figures counted by the database: no period, however long, is loaded row by row.

``digest_sums`` adds up the period (totals, segments, themes with their priority inputs), the
period before, the earlier periods and the trend weeks; ``quote_candidates`` hands over the
best few quotes of each area, of each set of groups and of all, ranked by the stored
``quote_words``. ``flows.digest_sums`` turns both into the digest ``build_digest`` would give.
Blocked residents' reports are left out everywhere, as the digest leaves them out.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import pairwise
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from flows.digest import SEVERE_AT_LEAST, SEVERE_LIMIT, TOP_LIMIT, Quote, severe_quotes
from flows.digest_sums import DigestSums, QuoteCut, ThemeDetail, Unsure, quotes_from
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
QUOTE_CANDIDATES = 8  # quotes looked at first in each list: by area, by groups and of all
_NEVER = 1_000_000  # more words than any text has
_NONE_KEPT = 0  # no problem has this id: a list of which no candidate was kept


def _unblocked() -> ColumnElement[bool]:
    blocked = select(col(Resident.id)).where(col(Resident.blocked_at).is_not(None))
    resident = col(Problem.resident_id)
    return or_(resident.is_(None), resident.not_in(blocked))


def _span(session: Session) -> tuple[datetime | None, datetime | None]:
    # Asked apart: SQLite reads one end of the index for each, but the whole table for both.
    created = col(Problem.created_at)
    first = session.execute(select(func.min(created))).scalar_one()
    return first, session.execute(select(func.max(created))).scalar_one()


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


Segments = dict[tuple[str, tuple[str, ...], str, str], int]


@dataclass(frozen=True, slots=True)
class _Lists:
    """How many quotable problems have each number of words: in all, per area, per groups."""

    overall: Counter[int] = field(default_factory=Counter)
    areas: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    groups: defaultdict[tuple[str, ...], Counter[int]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    texts: defaultdict[tuple[str, ...], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )  # the stored JSON texts of each set of groups


def _segments(session: Session, scope: _Scope, period: Period) -> tuple[Segments, _Lists]:
    """Count the period's problems by segment, and its quotable ones by words (one pass)."""
    hidden = col(Problem.id).in_(select(col(HiddenQuote.problem_id)))
    keys = (
        col(Problem.area),
        _GROUPS,
        col(Problem.language),
        col(Problem.source),
        col(Problem.quote_words),
        case((hidden, 1), else_=0),
    )
    query = scope(select(*keys, func.count()).group_by(*keys), period.start, period.end)
    segments: Counter[tuple[str, tuple[str, ...], str, str]] = Counter()
    lists = _Lists()
    for area, text, language, source, words, is_hidden, count in session.execute(query):
        groups = _groups(text)
        segments[(area, groups, language, source)] += count
        if not is_hidden:
            lists.overall[words] += count
            lists.areas[area][words] += count
            lists.groups[groups][words] += count
            lists.texts[groups].add(text)
    return dict(segments), lists


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
) -> tuple[DigestSums, tuple[Quote, ...]]:
    """Count the digest of ``period`` and pick its quotes.

    ``before`` is the period before it, ``earlier`` the periods looked at for "new" and
    "rising" (the latest first), ``weeks`` the trend's bounds.
    """
    scope = _Scope(session)
    problems, residents, suggestions = _people(session, scope, period)
    themes = _theme_sums(session, scope, period)
    segments, lists = _segments(session, scope, period)
    previous, previous_residents, _ = _people(session, scope, before)
    before_themes = select(_THEME, func.count()).where(_THEME.is_not(None)).group_by(_THEME)
    top = [sums.theme for sums, _ in ranked(themes, weights)[:TOP_LIMIT]]
    severe = tuple(_severe(session, scope, period, language))
    sums = DigestSums(
        current=ViewSums(problems, residents, segments, tuple(themes)),
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
        severe=severe,
    )
    return sums, _quotes(session, scope, period, lists, severe, language)


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


def _threshold(counts: Counter[int], keep: int) -> int:
    """Return the fewest words a list's best ``keep`` have (0: the list is not cut)."""
    total = 0
    for words in sorted(counts, reverse=True):
        total += counts[words]
        if total >= keep:
            return words
    return 0


@dataclass(slots=True)
class _Keep:
    """How many of each list to look at: the list's length when it is taken whole."""

    overall: int
    areas: dict[str, int]
    groups: dict[tuple[str, ...], int]

    def widen(self, unsure: Unsure) -> None:
        """Look further down the lists named; down the areas first, as the first pass reads."""
        for area in unsure.areas:
            self.areas[area] = _more(self.areas[area])
        if unsure.areas:
            return
        if unsure.overall:
            self.overall = _more(self.overall)
        for groups in unsure.groups:
            self.groups[groups] = _more(self.groups[groups])


def _more(keep: int) -> int:
    return max(4 * keep, QUOTE_CANDIDATES)


def _quotes(
    session: Session,
    scope: _Scope,
    period: Period,
    lists: _Lists,
    severe: Sequence[ProblemRecord],
    language: str,
) -> tuple[Quote, ...]:
    """Pick the quotes from the best few of each list, looking further down the lists that
    could still matter (when the best are much alike) until the choice cannot change.
    """
    # Areas first: the first pass takes a quote from each new area, and with four areas or more
    # it takes all four; the lists by groups and of all are read only when it did not.
    keep = _Keep(0, dict.fromkeys(lists.areas, QUOTE_CANDIDATES), dict.fromkeys(lists.groups, 0))
    shown = severe_quotes(severe)
    while True:
        candidates, cut = _candidates(session, scope, period, lists, keep, language)
        known = {record.id for record in candidates}
        candidates.extend(record for record in severe if record.id not in known)
        found = quotes_from(candidates, shown, cut)
        if not isinstance(found, Unsure):
            return found
        keep.widen(found)


def _candidates(
    session: Session, scope: _Scope, period: Period, lists: _Lists, keep: _Keep, language: str
) -> tuple[list[ProblemRecord], QuoteCut]:
    """Return the best quotes of each list as ``keep`` says, ranked as
    ``flows.digest.quote_rank`` ranks them, and the last one kept of each list cut short.
    """
    words = col(Problem.quote_words)
    areas = {a: (keep.areas[a], c) for a, c in lists.areas.items() if keep.areas[a]}
    texts = {
        text: (keep.groups[g], c)
        for g, c in lists.groups.items()
        if keep.groups[g]
        for text in lists.texts[g]
    }
    # Lists taken whole are named; the others need a problem with as many words as their best
    # have. Few problems have that many: the cheap test comes first.
    whole = [
        col(Problem.area).in_([a for a, (k, c) in areas.items() if k >= c.total()]),
        _GROUPS.in_([t for t, (k, c) in texts.items() if k >= c.total()]),
    ]
    best_areas = {a: _threshold(c, k) for a, (k, c) in areas.items() if k < c.total()}
    best_texts = {t: _threshold(c, k) for t, (k, c) in texts.items() if k < c.total()}
    limits = []
    if keep.overall:
        limits.append(words >= _threshold(lists.overall, keep.overall))
    if best_areas:
        limits.append(words >= case(best_areas, value=col(Problem.area), else_=_NEVER))
    if best_texts:
        limits.append(words >= case(best_texts, value=_GROUPS, else_=_NEVER))
    lowest = min([*best_areas.values(), *best_texts.values(), _NEVER])
    if keep.overall:
        lowest = min(lowest, _threshold(lists.overall, keep.overall))
    enough = [*whole, and_(words >= lowest, or_(*limits))] if limits else whole
    columns = (col(Problem.id), col(Problem.area), _GROUPS, words, func.length(col(Problem.text)))
    query = select(*columns, col(Problem.created_at)).where(or_(*enough))
    rows = sorted(
        session.execute(_quotable(scope, query, period)),
        key=lambda r: (-r[3], -r[4], -r[5].timestamp(), r[0]),
    )
    cut = QuoteCut(
        {a: _NONE_KEPT for a in lists.areas if not keep.areas[a]},
        {g: _NONE_KEPT for g in lists.groups if not keep.groups[g]},
        _NONE_KEPT if lists.overall.total() and not keep.overall else None,
    )
    chosen: set[int] = set()
    seen_areas: Counter[str] = Counter()
    seen_groups: Counter[tuple[str, ...]] = Counter()
    for number, (pid, area, text, *_) in enumerate(rows):
        groups = _groups(text)
        if number < keep.overall:
            chosen.add(pid)
            if number + 1 == keep.overall < lists.overall.total():
                cut = replace(cut, overall=pid)
        if seen_areas[area] < keep.areas[area]:
            seen_areas[area] += 1
            chosen.add(pid)
            if seen_areas[area] == keep.areas[area] < lists.areas[area].total():
                cut.areas[area] = pid
        if seen_groups[groups] < keep.groups[groups]:
            seen_groups[groups] += 1
            chosen.add(pid)
            if seen_groups[groups] == keep.groups[groups] < lists.groups[groups].total():
                cut.groups[groups] = pid
    records = problem_records(session=session, ids=chosen, language=language) if chosen else []
    return records, cut
