"""Counts over time: the periods before a digest's (for "new" and "rising") and weekly totals.

Builders get (instant, theme) pairs rather than whole records: twelve weeks of problems are
cheap to count this way even when the stored problems run into the hundreds of thousands.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TREND_WEEKS = 12  # the chart's trend line
EARLIER_PERIODS = 4  # periods before a digest's looked at for "new" and "rising"
KNOWN_AFTER = 2  # earlier periods with data needed before anything is called new or rising

Stamp = tuple[datetime, int | None]  # when a problem was reported, and its theme


@dataclass(frozen=True, slots=True)
class Earlier:
    """How many problems an earlier period had, in all and per theme."""

    problems: int
    themes: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Week:
    """The problems reported in the local week that starts on ``monday``."""

    monday: date
    problems: int


def count_periods(
    stamps: Sequence[Stamp], periods: Sequence[tuple[datetime, datetime]]
) -> tuple[Earlier, ...]:
    """Count ``stamps`` in each [start, end) of ``periods``, in the order given."""
    found = []
    for start, end in periods:
        inside = [theme for at, theme in stamps if start <= at < end]
        themes = Counter(theme for theme in inside if theme is not None)
        found.append(Earlier(len(inside), dict(themes)))
    return tuple(found)


def known(earlier: Sequence[Earlier]) -> bool:
    """Tell whether enough earlier periods had problems to call a theme new or rising."""
    return sum(1 for period in earlier if period.problems) >= KNOWN_AFTER


def first_monday(end: datetime, tz: ZoneInfo, weeks: int = TREND_WEEKS) -> date:
    """Return the Monday that starts the first of the ``weeks`` local weeks ending at ``end``."""
    last_day = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return last_day - timedelta(days=last_day.weekday() + 7 * (weeks - 1))


def weekly(
    stamps: Sequence[Stamp], end: datetime, tz: ZoneInfo, weeks: int = TREND_WEEKS
) -> tuple[Week, ...]:
    """Count ``stamps`` in each of the ``weeks`` local Monday–Sunday weeks up to ``end``."""
    first = first_monday(end, tz, weeks)
    counts = Counter((at.astimezone(tz).date() - first).days // 7 for at, _ in stamps if at < end)
    return tuple(Week(first + timedelta(days=7 * n), counts[n]) for n in range(weeks))


def week_bounds(end: datetime, tz: ZoneInfo, weeks: int = TREND_WEEKS) -> list[datetime]:
    """Return where each trend week begins, then ``end``: ``weekly`` counts between them."""
    first = first_monday(end, tz, weeks)
    starts = [
        datetime.combine(first + timedelta(days=7 * n), time(), tzinfo=tz) for n in range(weeks)
    ]
    return [*starts, end]


def trend_start(end: datetime, tz: ZoneInfo, weeks: int = TREND_WEEKS) -> datetime:
    """Return the instant the first trend week begins (local midnight on its Monday)."""
    return datetime.combine(first_monday(end, tz, weeks), time(), tzinfo=tz)
