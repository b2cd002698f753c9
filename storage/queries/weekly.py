"""A view's sums added up from the weekly sums PostgreSQL keeps (migration 0022).

For a view without filters spanning whole UTC weeks, the theme sums, each theme's groups and
the segments of those weeks are read from ``theme_week``, ``theme_week_group`` and
``segment_week`` (a few thousand rows for a year instead of half a million problems); the days
at the view's two ends, outside whole weeks, are still counted from the problems. The database's
triggers keep the weekly sums exact on every write, so both ways give the same figures.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    func,
    select,
)
from sqlmodel import Session

from flows.periods import Period
from flows.priority import PER_YEAR
from flows.workspace import Filters

WEEK: Final = timedelta(days=7)
# From this many whole weeks on, a view adds up weekly sums (fewer: the problems are few).
MIN_WEEKS: Final = 4
# Not SQLModel's: no other database has them, and a transfer copies the problems, not the sums.
_SUMS = MetaData()


def _week() -> Column[datetime]:
    return Column("week", DateTime(timezone=True), primary_key=True)


FREQUENCIES: Final = ("daily", "weekly", "monthly", "few_times_year", "rarely")
THEME_WEEK: Final = Table(
    "theme_week",
    _SUMS,
    _week(),
    Column("theme_id", Integer, primary_key=True),
    *(
        Column(name, BigInteger)
        for name in ("problems", "anonymous", "erased", "notes", "severity_total", "rated")
    ),
    *(Column(key, BigInteger) for key in FREQUENCIES),
)
THEME_WEEK_GROUP: Final = Table(
    "theme_week_group",
    _SUMS,
    _week(),
    Column("theme_id", Integer, primary_key=True),
    Column("grp", Text, primary_key=True),
    Column("problems", BigInteger),
)
SEGMENT_WEEK: Final = Table(
    "segment_week",
    _SUMS,
    _week(),
    *(Column(name, Text, primary_key=True) for name in ("area", "groups", "language", "source")),
    Column("problems", BigInteger),
)


@dataclass(frozen=True, slots=True)
class Weeks:
    """A view's period cut into whole UTC weeks and the (up to two) slices at its ends."""

    whole: Period
    ends: tuple[Period, ...]


def _monday(moment: datetime) -> datetime:
    """Return the start (Monday 00:00 UTC) of the UTC week ``moment`` falls in."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weeks_of(
    session: Session, filters: Filters, period: Period | None, *, summed: bool = True
) -> Weeks | None:
    """Cut ``period`` into weeks if its sums can be added up from weekly sums, else None."""
    if (
        not summed
        or period is None
        or session.get_bind().dialect.name != "postgresql"
        or any((filters.group, filters.area, filters.language, filters.workshop, filters.source))
        or filters.text
    ):
        return None
    first = _monday(period.start)
    if first < period.start:
        first += WEEK
    last = _monday(period.end)
    if last - first < MIN_WEEKS * WEEK:
        return None
    ends = ((period.start, first), (last, period.end))
    return Weeks(Period(first, last), tuple(Period(a, b) for a, b in ends if a < b))


def _in(table: Table, weeks: Weeks) -> ColumnElement[bool]:
    return and_(table.c.week >= weeks.whole.start, table.c.week < weeks.whole.end)


def theme_rows(session: Session, weeks: Weeks) -> dict[int, list[float]]:
    """Return each theme's sums over the whole weeks, as the live theme sums' columns 1-9.

    That is problems, anonymous, erased, notes, endorsements (0: counted apart), severity
    total, rated, the yearly rate's total and the problems that said how often.
    """
    t = THEME_WEEK.c
    frequencies = [func.sum(t[key]) for key in FREQUENCIES]
    columns = [func.sum(t[name]) for name in ("anonymous", "erased", "notes")]
    query = (
        select(t.theme_id, func.sum(t.problems), *columns)
        .add_columns(func.sum(t.severity_total), func.sum(t.rated), *frequencies)
        .where(_in(THEME_WEEK, weeks))
        .group_by(t.theme_id)
        .having(func.sum(t.problems) > 0)
    )
    rows = {}
    for theme, problems, anonymous, erased, notes, severity, rated, *counts in session.execute(
        query
    ):
        rates = sum(PER_YEAR[key] * int(n) for key, n in zip(FREQUENCIES, counts, strict=True))
        timed = sum(int(n) for n in counts)
        sums = [problems, anonymous, erased, notes, 0, severity, rated]
        rows[int(theme)] = [*map(int, sums), float(rates), timed]
    return rows


def theme_groups(session: Session, weeks: Weeks) -> dict[int, set[str]]:
    """Return the groups each theme's problems named in the whole weeks."""
    t = THEME_WEEK_GROUP.c
    query = (
        select(t.theme_id, t.grp)
        .where(_in(THEME_WEEK_GROUP, weeks))
        .group_by(t.theme_id, t.grp)
        .having(func.sum(t.problems) > 0)
    )
    groups: dict[int, set[str]] = {}
    for theme, group in session.execute(query):
        groups.setdefault(int(theme), set()).add(group)
    return groups


def segment_texts(session: Session, weeks: Weeks) -> Counter[tuple[str, str, str, str]]:
    """Count the whole weeks' problems by area, groups (the JSON's text), language, source."""
    s = SEGMENT_WEEK.c
    keys = (s.area, s.groups, s.language, s.source)
    query = (
        select(*keys, func.sum(s.problems))
        .where(_in(SEGMENT_WEEK, weeks))
        .group_by(*keys)
        .having(func.sum(s.problems) > 0)
    )
    return Counter({(a, g, lang, src): int(n) for a, g, lang, src, n in session.execute(query)})
