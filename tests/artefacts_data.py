"""A fixed week of problems with themes, workshop notes and two earlier weeks, for artefacts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flows.digest import Digest, build_digest
from flows.periods import previous, week_period
from flows.records import ProblemRecord
from flows.trend import count_periods, trend_start, weekly
from tests.packaged import content

OSLO = ZoneInfo("Europe/Oslo")
WEEK = week_period(datetime(2026, 11, 30, 8, 0, tzinfo=OSLO), OSLO)  # Mon 23.11.–Sun 29.11.
BEFORE = previous(WEEK, OSLO)
TWO_BEFORE = previous(BEFORE, OSLO)

SNOW = "Snø på fortauet"
BUS = "Kveldsbuss"
NAV = "Brev fra NAV"
LIGHT = "Gatelys"


def _record(n: int, at: datetime, **values: object) -> ProblemRecord:
    base: dict[str, object] = {
        "id": n,
        "created_at": at + timedelta(hours=n % 100),
        "resident": f"r{n}",
        "text": f"Det er et problem som gjentar seg her hos oss, nummer {n}",
        "language": "nb",
        "area": "sentrum",
        "groups": ("senior",),
    }
    base.update(values)
    return ProblemRecord(**base)  # type: ignore[arg-type]


def _snow(n: int) -> ProblemRecord:
    group = ("senior",) if n % 3 else ("parent_young_children",)
    return _record(
        n,
        WEEK.start,
        theme=1,
        theme_label=SNOW,
        area="hunndalen" if n % 7 else "biri",
        groups=group,
        severity=4 if n % 5 else 5,
        frequency="daily",
        endorsements=1 if n % 4 == 0 else 0,
    )


def _bus(n: int) -> ProblemRecord:
    return _record(
        n,
        WEEK.start,
        theme=2,
        theme_label=BUS,
        area=("sentrum", "biri", "snertingdal")[n % 3],
        groups=(("youth",), ("student",), ("working_commuter",))[n % 3],
        severity=3,
        frequency="weekly",
    )


def _note(n: int) -> ProblemRecord:
    return _record(
        n,
        WEEK.start,
        resident="",
        source="import",
        theme=3,
        theme_label=NAV,
        groups=("newcomer",),
        severity=4,
        frequency="monthly",
        workshop="nav1",
    )


CURRENT: list[ProblemRecord] = [
    *(_snow(n) for n in range(1, 15)),
    *(_bus(n) for n in range(20, 28)),
    *(_note(n) for n in range(40, 46)),
    _record(50, WEEK.start, theme=4, theme_label=LIGHT, severity=2, frequency="rarely"),
]
EARLIER: list[ProblemRecord] = [
    *(_record(100 + n, BEFORE.start, theme=1, theme_label=SNOW) for n in range(3)),
    *(_record(110 + n, BEFORE.start, theme=2, theme_label=BUS) for n in range(6)),
    *(_record(120 + n, BEFORE.start, theme=4, theme_label=LIGHT) for n in range(2)),
]
TWO_EARLIER: list[ProblemRecord] = [
    *(_record(200 + n, TWO_BEFORE.start, theme=2, theme_label=BUS) for n in range(5)),
]


def stamps() -> list[tuple[datetime, int | None]]:
    """Return when each problem of the three weeks came and its theme."""
    return [(r.created_at, r.theme) for r in (*TWO_EARLIER, *EARLIER, *CURRENT)]


def digest() -> Digest:
    """Build the fixed week's digest, with the two weeks before as its history."""
    earlier = count_periods(stamps(), [(p.start, p.end) for p in (BEFORE, TWO_BEFORE)])
    assert trend_start(WEEK.end, OSLO) < TWO_BEFORE.start
    return build_digest(
        CURRENT, EARLIER, WEEK, earlier=earlier, trend=weekly(stamps(), WEEK.end, OSLO)
    )


def names(language: str) -> object:
    """Return display names of groups, areas and frequencies in ``language``."""
    return lambda key: content().name(key, language)
