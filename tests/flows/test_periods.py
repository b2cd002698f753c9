"""Periods: the calendar week on Oslo's clock, whatever the UTC date."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.periods import week_period

OSLO = ZoneInfo("Europe/Oslo")
WEEK = week_period(datetime(2026, 11, 30, 8, 0, tzinfo=OSLO), OSLO)  # Mon 23.11.–Sun 29.11.


def test_a_monday_morning_run_covers_the_previous_calendar_week():
    monday = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # 00:00 in Oslo
    assert (WEEK.start, WEEK.end) == (monday, monday + timedelta(days=7))
    # Monday 00:30 in Oslo is still Sunday in UTC: the week is Oslo's.
    assert week_period(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), OSLO) == WEEK
    # Late on Sunday the running week is not complete yet.
    sunday = datetime(2026, 11, 29, 23, 59, tzinfo=OSLO)
    assert week_period(sunday, OSLO).end == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
