"""The workspace's pure builders: filters to and from the URL, periods, weeks, lift, order."""

from collections import Counter
from datetime import UTC, date, datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flows.priority import Inputs
from flows.workspace import (
    Filters,
    ThemeRow,
    lift_table,
    parse_filters,
    resolve_period,
    sort_rows,
    week_bounds,
)

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # a Friday


def test_a_view_survives_the_round_trip_through_its_url() -> None:
    view = Filters(
        period="custom",
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        group="senior",
        text="buss kveld",
        sort="residents",
        page=3,
    )
    assert parse_filters(dict(parse_qsl(view.query()))) == view
    assert Filters().query() == ""  # defaults are left out
    assert view.query(page=1, group="") == (
        "period=custom&start=2026-03-01&end=2026-03-31&text=buss+kveld&sort=residents"
    )


def test_values_that_make_no_sense_are_ignored_not_errors() -> None:
    parsed = parse_filters(
        {
            "period": "decade",
            "group": "<script>",
            "area": "x" * 40,
            "source": "email",
            "sort": "DROP",
            "page": "-2",
            "text": "  many   spaces  " + "y" * 200,
        }
    )
    assert parsed.period == "4weeks" and parsed.group == parsed.area == parsed.source == ""
    assert parsed.sort == "priority" and parsed.page == 1
    assert parsed.text.startswith("many spaces y") and len(parsed.text) == 100
    assert parse_filters({"period": "custom", "start": "2026-01-01"}).period == "4weeks"
    swapped = parse_filters({"period": "custom", "start": "2026-02-01", "end": "2026-01-01"})
    assert (swapped.start, swapped.end) == (date(2026, 1, 1), date(2026, 2, 1))
    assert Filters(area="biri", source="import").segments == {"area": "biri", "source": "import"}


def test_periods_are_local_days_up_to_today() -> None:
    week = resolve_period(Filters(period="week"), NOW, OSLO)
    assert week is not None
    assert week.start == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Monday 00:00 in Oslo
    assert week.end == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # tomorrow's midnight
    year = resolve_period(Filters(period="year"), NOW, OSLO)
    assert year is not None and year.start == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)
    custom = Filters(period="custom", start=date(2026, 7, 1), end=date(2026, 7, 1))
    one_day = resolve_period(custom, NOW, OSLO)
    assert one_day is not None and one_day.end - one_day.start == NOW - NOW.replace(day=26)
    assert resolve_period(Filters(period="all"), NOW, OSLO) is None


def test_week_bounds_are_thirteen_mondays_ending_next_week() -> None:
    bounds = week_bounds(NOW, OSLO)
    assert len(bounds) == 13
    assert all(b.astimezone(OSLO).weekday() == 0 and b.astimezone(OSLO).hour == 0 for b in bounds)
    assert bounds[-2] <= NOW < bounds[-1]


def test_lift_marks_only_clear_over_representation_of_five_or_more() -> None:
    theme = Counter({("senior", "biri"): 6, ("youth", "biri"): 4, ("youth", "sentrum"): 10})
    everyone = {("senior", "biri"): 10, ("youth", "biri"): 40, ("youth", "sentrum"): 150}
    table = lift_table(theme, everyone)
    assert table[("senior", "biri")].lift == 6.0 and table[("senior", "biri")].marked
    assert table[("youth", "biri")].lift is None  # fewer than 5: never marked
    assert table[("youth", "sentrum")].lift == 0.7 and not table[("youth", "sentrum")].marked


def _row(theme: int, label: str, score: int, problems: int, residents: int) -> ThemeRow:
    inputs = Inputs(problems, residents, None, None, 1, 1)
    return ThemeRow(theme, label, score, inputs, residents, 0, 0)


def test_rows_sort_by_the_chosen_column_then_priority() -> None:
    rows = [_row(1, "Buss", 40, 9, 3), _row(2, "ambulanse", 70, 2, 2), _row(3, "Snø", 40, 9, 8)]
    assert [r.theme for r in sort_rows(rows, "priority")] == [2, 1, 3]
    assert [r.theme for r in sort_rows(rows, "problems")] == [1, 3, 2]
    assert [r.theme for r in sort_rows(rows, "residents")] == [3, 1, 2]
    assert [r.theme for r in sort_rows(rows, "label")] == [2, 1, 3]
