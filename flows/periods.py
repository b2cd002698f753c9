"""Periods of time a digest covers, and which scheduled digests a subscription is owed."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Period:
    """A span of time: aware instants, ``end`` exclusive."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Period needs timezone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("Period must end after it starts")


def week_period(now: datetime, tz: ZoneInfo) -> Period:
    """Return the last complete Monday–Monday week in ``tz`` before ``now``, as UTC instants."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    return Period(_midnight(monday - timedelta(days=7), tz), _midnight(monday, tz))


def previous(period: Period, tz: ZoneInfo | None = None) -> Period:
    """Return the period just before ``period``, as long on the clock of ``tz`` (or in UTC)."""
    if tz is None:
        return Period(period.start - (period.end - period.start), period.start)
    # Wall-clock arithmetic keeps a week a calendar week when a DST change lies between.
    start = period.start.astimezone(tz).replace(tzinfo=None)
    length = period.end.astimezone(tz).replace(tzinfo=None) - start
    return Period((start - length).replace(tzinfo=tz).astimezone(UTC), period.start)


def rolling_period(now: datetime, days: int) -> Period:
    """Return the ``days`` days up to ``now``."""
    if days < 1:
        raise ValueError("days must be at least 1")
    end = now.astimezone(UTC)
    return Period(end - timedelta(days=days), end)


def day_period(now: datetime, tz: ZoneInfo) -> Period:
    """Return the last complete day in ``tz`` before ``now``, as UTC instants."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(tz).date()
    return Period(_midnight(today - timedelta(days=1), tz), _midnight(today, tz))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


WEEKLY = "weekly"  # Mondays, for the previous Monday–Sunday week
DAILY = "daily"  # every day, for the previous day
FREQUENCIES = (WEEKLY, DAILY)
CATCH_UP = timedelta(days=7)  # digests that fell due longer ago than this are not sent late


@dataclass(frozen=True, slots=True)
class Due:
    """A scheduled digest: when it fell due and the period it covers."""

    at: datetime
    period: Period


def due_digests(
    frequency: str, since: datetime, now: datetime, tz: ZoneInfo, at: time
) -> list[Due]:
    """Return the digests of a subscription made at ``since`` that fell due by ``now``.

    A digest falls due at ``at`` o'clock in ``tz`` (on Mondays when weekly); only those after
    ``since`` and within ``CATCH_UP`` of ``now`` count, oldest first.
    """
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}; expected one of {FREQUENCIES}")
    if since.tzinfo is None or now.tzinfo is None:
        raise ValueError("since and now must be timezone-aware")
    after = max(since, now - CATCH_UP)
    today = now.astimezone(tz).date()
    first = after.astimezone(tz).date()
    found: list[Due] = []
    for offset in range((today - first).days, -1, -1):
        day = today - timedelta(days=offset)
        if frequency == WEEKLY and day.weekday() != 0:
            continue
        instant = datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
        if after < instant <= now:
            period = week_period(instant, tz) if frequency == WEEKLY else day_period(instant, tz)
            found.append(Due(instant, period))
    return found


def period_dates(period: Period, tz: ZoneInfo) -> tuple[str, str]:
    """Format the first and last local day, e.g. ("24.11.", "30.11.2026")."""
    first = period.start.astimezone(tz).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date()
    return (f"{first:%d.%m.}" if first.year == last.year else f"{first:%d.%m.%Y}"), (
        f"{last:%d.%m.%Y}"
    )
