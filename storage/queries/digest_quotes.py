"""A digest's quotes from a few candidates: the period's best few, ranked by the stored
``quote_words``; when those cannot settle the choice, the best of each area, of each set of
groups and of all, read further only where the choice could change.

``Scope`` narrows every digest query to a period's problems of residents not blocked.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from flows.digest import SEVERE_AT_LEAST, SEVERE_LIMIT, Quote, severe_quotes
from flows.digest_sums import QuoteCut, Unsure, quotes_from
from flows.periods import Period
from flows.records import ProblemRecord
from storage.models import HiddenQuote, Problem, Resident
from storage.models.types import SEVERITY_MAX
from storage.queries.problems import problem_records
from storage.queries.tallies import _GROUPS, _groups

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
# The period's best quotes, ranked in one pass: the four quotes are nearly always among them.
# The first 64 are read first, twice as many each time the quotes are not settled.
RANKED = 4096
FIRST_QUOTES = 64
QUOTE_CANDIDATES = 8  # quotes looked at first in each list: by area, by groups and of all
_NEVER = 1_000_000  # more words than any text has
_NONE_KEPT = 0  # no problem has this id: a list of which no candidate was kept
ORDERED_FROM = timedelta(days=92)  # as the workspace's (storage/queries/tallies.py)


def _blocked() -> Select[int | None]:
    return select(col(Resident.id)).where(col(Resident.blocked_at).is_not(None))


def _unblocked() -> ColumnElement[bool]:
    resident = col(Problem.resident_id)
    return or_(resident.is_(None), resident.not_in(_blocked()))


def by_blocked() -> ColumnElement[bool]:
    """Tell the problems of blocked residents (few: found through the resident index)."""
    return col(Problem.resident_id).in_(_blocked())


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
        self.sqlite = session.get_bind().dialect.name == "sqlite"

    def __call__(self, query: Q, start: datetime, end: datetime) -> Q:
        return self.dated(query.where(_unblocked()), start, end)

    def dated(self, query: Q, start: datetime, end: datetime) -> Q:
        """Narrow ``query`` to the period only (blocked residents' problems too)."""
        if self.first is None or self.last is None:
            return query
        if start > self.first:
            query = query.where(col(Problem.created_at) >= start)
        if end <= self.last:
            query = query.where(col(Problem.created_at) < end)
        return query

    def everything(self, start: datetime, end: datetime) -> bool:
        """Tell whether [start, end) holds every stored problem (no date to narrow by)."""
        first, last = self.first, self.last
        return first is None or last is None or (start <= first and end > last)

    def ordered(self, period: Period) -> bool:
        """Tell whether SQLite should count ``period`` from an index in its grouping's order.

        SQLite has no hash aggregate: it sorts a GROUP BY's rows unless an index hands them
        over in order. From about a quarter of a year on, reading such an index whole (and
        skipping the rows outside the period) is cheaper than sorting the period's rows.
        """
        return self.sqlite and period.end - period.start >= ORDERED_FROM


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
    """Return the most severe problems, newest first within a rating, as ``severe_quotes``.

    Asked one rating at a time, newest first: the date index finds them among the latest few
    instead of every rated problem being sorted.
    """
    ids: list[int] = []
    for severity in range(SEVERITY_MAX, SEVERE_AT_LEAST - 1, -1):
        query = _quotable(
            scope,
            select(col(Problem.id))
            .where(col(Problem.severity) == severity)
            .order_by(col(Problem.created_at).desc(), col(Problem.id).desc())
            .limit(SEVERE_LIMIT - len(ids)),
            period,
        )
        ids.extend(session.execute(query).scalars())
        if len(ids) == SEVERE_LIMIT:
            break
    return problem_records(session=session, ids=ids, language=language) if ids else []


def quote_lists(session: Session, scope: Scope, period: Period) -> QuoteLists:
    """Count the period's quotable problems by area, groups and words."""
    keys = (col(Problem.area), _GROUPS, col(Problem.quote_words))
    query = _quotable(scope, select(*keys, func.count()).group_by(*keys), period)
    lists = QuoteLists()
    for area, text, words, count in session.execute(query):
        groups = _groups(text)
        lists.overall[words] += count
        lists.areas[area][words] += count
        lists.groups[groups][words] += count
        lists.texts[groups].add(text)
    return lists


def ranked_quotes(session: Session, scope: Scope, period: Period) -> list[int]:
    """Return the ids of the period's ``RANKED`` best quotable problems, best first, as
    ``flows.digest.quote_rank`` ranks them (one pass; the database keeps only the best).
    """
    query = _quotable(
        scope,
        select(col(Problem.id))
        .order_by(
            col(Problem.quote_words).desc(),
            func.length(col(Problem.text)).desc(),
            col(Problem.created_at).desc(),
            col(Problem.id),
        )
        .limit(RANKED),
        period,
    )
    return list(session.execute(query).scalars())


def _quote_records(session: Session, ids: Sequence[int]) -> list[ProblemRecord]:
    """Return the problems ``ids`` as far as a quote needs them: words, where, whom, when."""
    if not ids:
        return []
    columns = (
        col(Problem.id),
        col(Problem.created_at),
        col(Problem.text),
        col(Problem.area),
        col(Problem.groups),
        col(Problem.severity),
    )
    rows = session.execute(select(*columns).where(col(Problem.id).in_(ids)))
    return [
        ProblemRecord(
            id=pid,
            created_at=created_at,
            resident="",
            text=text,
            area=area,
            groups=tuple(groups or ()),
            severity=severity,
        )
        for pid, created_at, text, area, groups, severity in rows
    ]


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
    ranked: Sequence[int],
    segments: Iterable[tuple[str, tuple[str, ...], str, str]],
    severe: Sequence[ProblemRecord],
    language: str,
) -> tuple[Quote, ...]:
    """Pick the quotes from the best of the period (``ranked_quotes``), read twice as far each
    time until no problem ranked below could still be taken; if the ranked ones are not enough
    (the best much alike), from the best of each list instead. ``segments``: the period's
    counted segments, whose areas and groups a problem below could have.
    """
    keys = set(segments)
    made: dict[int, Quote] = {}  # masked once, however often looked at
    known = {record.id for record in severe}
    records = [*severe]
    size = FIRST_QUOTES
    while True:
        start = size // 2 if size > FIRST_QUOTES else 0  # read up to there already
        records += _quote_records(session, [i for i in ranked[start:size] if i not in known])
        read = ranked[:size]
        cut = QuoteCut()  # every quotable problem of the period is read
        if len(ranked) == RANKED or len(read) < len(ranked):  # the rest ranks below the last
            last = read[-1] if read else _NONE_KEPT
            cut = QuoteCut({k[0]: last for k in keys}, {k[1]: last for k in keys}, last)
        found = quotes_from(records, severe_quotes(severe), cut, made)
        if not isinstance(found, Unsure):
            return found
        if len(read) == len(ranked):
            break
        size *= 2
    lists = quote_lists(session, scope, period)
    return quotes_by_list(session, scope, period, lists, severe, language)


def quotes_by_list(
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
