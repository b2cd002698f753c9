"""What the web workspace shows: filters read from a URL, periods, weeks, theme rows, lift.

Pure: the page handlers hand in query parameters, ``now`` and sums, and get values back.
Every filter survives in the URL, so a planner can send a colleague the view they see.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flows.digest import BRIDGING_GROUPS, SMALL
from flows.periods import Period
from flows.priority import DEFAULT_WEIGHTS, Inputs, Weights, score
from flows.status import STATUSES
from flows.tallies import ThemeSums

PRESETS = ("week", "4weeks", "year", "all", "custom")
DEFAULT_PRESET = "4weeks"
TREND_WEEKS = 12
SORTS = ("priority", "problems", "residents", "endorsements", "label")
SOURCES = ("telegram", "terminal", "import")
OVER_REPRESENTED = 1.5  # a cell whose lift is at least this is marked
_TEXT_MAX = 100
_KEY_MAX = 32


@dataclass(frozen=True, slots=True)
class Filters:
    """One view of the problems: a period and the segments chosen, as in the URL."""

    period: str = DEFAULT_PRESET
    start: date | None = None  # with period "custom"; both days included
    end: date | None = None
    group: str = ""
    area: str = ""
    language: str = ""
    workshop: str = ""
    source: str = ""
    text: str = ""
    status: str = ""  # themes only: their current status
    sort: str = SORTS[0]
    page: int = 1

    def query(self, **changes: object) -> str:
        """Return the URL query of this view with ``changes``, defaults left out."""
        changed = replace(self, **changes) if changes else self  # type: ignore[arg-type]
        default = Filters()
        pairs = []
        for f in fields(self):
            value = getattr(changed, f.name)
            if value != getattr(default, f.name) and value not in (None, ""):
                pairs.append((f.name, value.isoformat() if isinstance(value, date) else value))
        return urlencode(pairs)

    @property
    def segments(self) -> dict[str, str]:
        """Return the chosen segments (group, area, …) by name, empty ones left out."""
        names = ("group", "area", "language", "workshop", "source")
        return {name: getattr(self, name) for name in names if getattr(self, name)}


def parse_filters(query: Mapping[str, str]) -> Filters:
    """Read a view from URL parameters; a value that makes no sense is ignored, not an error."""
    period = query.get("period", DEFAULT_PRESET)
    start, end = _day(query.get("start", "")), _day(query.get("end", ""))
    if period not in PRESETS or (period == "custom" and (start is None or end is None)):
        period, start, end = DEFAULT_PRESET, None, None
    if start is not None and end is not None and end < start:
        start, end = end, start
    page = query.get("page", "1")
    return Filters(
        period=period,
        start=start if period == "custom" else None,
        end=end if period == "custom" else None,
        group=_key(query.get("group", "")),
        area=_key(query.get("area", "")),
        language=_key(query.get("language", "")),
        workshop=_key(query.get("workshop", "")),
        source=query.get("source", "") if query.get("source", "") in SOURCES else "",
        text=" ".join(query.get("text", "").split())[:_TEXT_MAX],
        status=query.get("status", "") if query.get("status", "") in STATUSES else "",
        sort=query.get("sort", "") if query.get("sort", "") in SORTS else SORTS[0],
        page=max(1, int(page)) if page.isdigit() and len(page) < 7 else 1,
    )


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _key(text: str) -> str:
    value = text.strip()
    return (
        value
        if len(value) <= _KEY_MAX and value.replace("_", "").replace("-", "").isalnum()
        else ""
    )


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def resolve_period(filters: Filters, now: datetime, tz: ZoneInfo) -> Period | None:
    """Return the span the view covers (None: all time), in local days up to today."""
    today = now.astimezone(tz).date()
    tomorrow = _midnight(today + timedelta(days=1), tz)
    match filters.period:
        case "week":
            return Period(_midnight(today - timedelta(days=today.weekday()), tz), tomorrow)
        case "4weeks":
            return Period(_midnight(today - timedelta(days=27), tz), tomorrow)
        case "year":
            return Period(_midnight(today.replace(month=1, day=1), tz), tomorrow)
        case "custom" if filters.start is not None and filters.end is not None:
            return Period(_midnight(filters.start, tz), _midnight(filters.end + timedelta(1), tz))
    return None


def week_bounds(now: datetime, tz: ZoneInfo, weeks: int = TREND_WEEKS) -> list[datetime]:
    """Return ``weeks`` + 1 Monday midnights: the last ``weeks`` weeks, this one included."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    return [_midnight(monday - timedelta(weeks=weeks - 1 - i), tz) for i in range(weeks + 1)]


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """A theme as the themes table shows it."""

    theme: int
    label: str
    score: int
    inputs: Inputs
    residents: int
    endorsements: int
    previous: int
    weeks: tuple[int, ...] = ()

    @property
    def bridging(self) -> bool:
        """Tell whether three or more groups raised it."""
        return self.inputs.groups >= BRIDGING_GROUPS

    @property
    def rising(self) -> bool:
        """Tell whether it grew since the period before (only from ``SMALL`` problems up)."""
        return self.inputs.problems >= SMALL and self.inputs.problems > self.previous


def theme_rows(
    themes: Iterable[ThemeSums],
    previous: Mapping[int, int],
    labels: Mapping[int, str],
    weights: Weights = DEFAULT_WEIGHTS,
    sort: str = SORTS[0],
) -> list[ThemeRow]:
    """Score every theme of the view (as the digest does) and order them by ``sort``."""
    rows = [
        ThemeRow(
            sums.theme,
            labels.get(sums.theme) or f"#{sums.theme}",
            score(sums.inputs, weights),
            sums.inputs,
            sums.residents + sums.anonymous,
            sums.endorsements,
            previous.get(sums.theme, 0),
        )
        for sums in themes
    ]
    return sort_rows(rows, sort)


def sort_rows(rows: Iterable[ThemeRow], sort: str) -> list[ThemeRow]:
    """Order theme rows by ``sort``, the higher priority first on a tie."""
    keys = {
        "priority": lambda r: (-r.score, r.theme),
        "problems": lambda r: (-r.inputs.problems, -r.score, r.theme),
        "residents": lambda r: (-r.residents, -r.score, r.theme),
        "endorsements": lambda r: (-r.endorsements, -r.score, r.theme),
        "label": lambda r: (r.label.casefold(), r.theme),
    }
    return sorted(rows, key=keys.get(sort, keys["priority"]))


@dataclass(frozen=True, slots=True)
class Cell:
    """One group × area cell of a theme: its problems and how over-represented they are."""

    count: int
    lift: float | None  # None where the count is too small to show or nothing to compare

    @property
    def marked(self) -> bool:
        """Tell whether this group raises the theme here clearly more than expected."""
        return self.lift is not None and self.lift >= OVER_REPRESENTED


def lift_table(
    theme: Mapping[tuple[str, str], int], everyone: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], Cell]:
    """Return each cell of a theme with its lift: its share of the theme over its share of all.

    Lift 2 means the theme holds twice the share of this group × area that all input holds.
    Cells below ``SMALL`` get no lift, so a marked cell never points at one or two people.
    """
    theme_total = sum(theme.values())
    all_total = sum(everyone.values())
    table = {}
    for key, count in theme.items():
        base = everyone.get(key, 0)
        lift = None
        if count >= SMALL and base and theme_total and all_total:
            lift = (count / theme_total) / (base / all_total)
        table[key] = Cell(count, None if lift is None or math.isnan(lift) else round(lift, 1))
    return table
