"""A digest's quotes from a few candidates: the best of each area, of each set of groups and of
all, ranked by the stored ``quote_words``, read further only where the choice could change.

``Scope`` narrows every digest query to a period's problems of residents not blocked.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from flows.digest import SEVERE_AT_LEAST, SEVERE_LIMIT, Quote, severe_quotes
from flows.digest_sums import QuoteCut, Unsure, quotes_from
from flows.periods import Period
from flows.records import ProblemRecord
from storage.models import HiddenQuote, Problem, Resident
from storage.queries.problems import problem_records
from storage.queries.tallies import _GROUPS, _groups

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


class Scope:
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


@dataclass(frozen=True, slots=True)
class QuoteLists:
    """How many quotable problems have each number of words: in all, per area, per groups."""

    overall: Counter[int] = field(default_factory=Counter)
    areas: defaultdict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    groups: defaultdict[tuple[str, ...], Counter[int]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    texts: defaultdict[tuple[str, ...], set[str]] = field(
        default_factory=lambda: defaultdict(set)
    )  # the stored JSON texts of each set of groups


def _quotable(scope: Scope, query: Q, period: Period) -> Q:
    hidden = select(col(HiddenQuote.problem_id))
    return scope(query.where(col(Problem.id).not_in(hidden)), period.start, period.end)


def severe_records(
    session: Session, scope: Scope, period: Period, language: str
) -> list[ProblemRecord]:
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
    return max(8 * keep, QUOTE_CANDIDATES)


def pick_quotes(
    session: Session,
    scope: Scope,
    period: Period,
    lists: QuoteLists,
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
    session: Session, scope: Scope, period: Period, lists: QuoteLists, keep: _Keep, language: str
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
