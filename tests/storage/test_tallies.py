"""Sums counted by the database give exactly what counting the records one by one gives."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

import flows.problem
from flows.digest import build_digest
from flows.periods import Period
from flows.priority import inputs_of
from flows.tallies import by_source, overview_digest
from flows.workspace import Filters, theme_rows
from storage import queries
from storage.engine import session_scope

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=28))
# Over 92 days SQLite counts from indexes in theme and segment order (storage/queries/tallies.py)
LONG = Period(START - timedelta(days=100), PERIOD.end)
MIDDLE = START + timedelta(days=14)
DAY = timedelta(days=1)
EVERYTHING = Filters(period="all")
GROUPS = ((), ("senior",), ("youth", "student"), ("senior", "parent_young_children"))
AREAS = ("biri", "sentrum", "", "hunndalen")
FREQUENCIES = ("daily", "weekly", "", "rarely", "monthly")


def _seed(session: Session) -> None:
    """Store 60 varied problems over four weeks: residents, erased ones, notes, endorsements."""
    people = [
        queries.get_or_create_resident(session=session, pseudonym=f"p{n}", now=START).id
        for n in range(7)
    ]
    queries.store_themes(session=session, labels={1: "snø", 2: "buss", 3: "NAV"}, now=START)
    themes: dict[int, int] = {}
    for n in range(60):
        draft = flows.problem.Problem(
            text=f"Problem nummer {n} om bussen og snøen",
            language=("nb", "nn", "", "en")[n % 4],
            groups=GROUPS[n % 4],
            area=AREAS[n % 4 if n % 5 else 1],
            frequency=FREQUENCIES[n % 5],
            severity=None if n % 6 == 0 else 1 + n % 5,
        )
        resident = None if n % 9 == 0 else people[n % 7]
        source = "import" if n % 11 == 0 else "telegram"
        pid = queries.add_problem(
            session=session,
            resident_id=resident if source != "import" else None,
            problem=draft,
            source=source,
            now=START + timedelta(hours=11 * n),
        )
        if n % 10:
            themes[pid] = 1 + n % 3
        if n % 4 == 0:
            for fan in people[:3]:
                assert fan is not None
                queries.endorse(session=session, resident_id=fan, problem_id=pid, now=START)
    queries.set_problem_themes(session=session, themes=themes)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        _seed(session)
    return engine


@pytest.mark.parametrize("period", [PERIOD, LONG], ids=["4 weeks", "100 days"])
@pytest.mark.parametrize("filters", [EVERYTHING, Filters(group="senior"), Filters(area="biri")])
def test_theme_sums_give_the_inputs_records_give(
    seeded: Engine, filters: Filters, period: Period
) -> None:
    with session_scope(seeded) as session:
        sums = queries.theme_sums(session=session, filters=filters, period=period)
        records = queries.full_records(session=session, filters=filters, period=period)
    by_theme: dict[int, list] = {}
    for record in records:
        if record.theme is not None:
            by_theme.setdefault(record.theme, []).append(record)
    assert {s.theme: s.inputs for s in sums} == {t: inputs_of(r) for t, r in by_theme.items()}
    endorsed = {t: sum(r.endorsements for r in own) for t, own in by_theme.items()}
    assert sums and {s.theme: s.endorsements for s in sums} == endorsed
    assert {s.theme: s.groups for s in sums} == {
        t: frozenset(g for r in own for g in r.groups) for t, own in by_theme.items()
    }


@pytest.mark.parametrize(
    ("half", "before"),
    [
        (Period(MIDDLE, PERIOD.end), Period(START, MIDDLE)),
        (
            Period(MIDDLE, MIDDLE + timedelta(days=100)),
            Period(MIDDLE - timedelta(days=100), MIDDLE),
        ),
    ],
    ids=["two weeks", "100 days"],
)
def test_the_overview_from_sums_equals_the_digest_of_records(
    seeded: Engine, half: Period, before: Period
) -> None:
    with session_scope(seeded) as session:
        current, earlier = queries.view_sums(
            session=session, filters=EVERYTHING, period=half, earlier=before
        )
        records = queries.full_records(session=session, filters=EVERYTHING, period=half)
        previous = queries.full_records(session=session, filters=EVERYTHING, period=before)
        labels = queries.theme_labels(session=session)
    summed = overview_digest(current, earlier, half, labels)
    counted = build_digest(records, previous, half)
    for name in ("problems", "residents", "previous_problems", "previous_residents"):
        assert getattr(summed, name) == getattr(counted, name), name
    for name in ("by_area", "by_group", "by_language", "notes"):
        assert getattr(summed, name) == getattr(counted, name), name
    shown = [(t.theme, t.label, t.count, t.previous, t.score, t.inputs) for t in summed.themes]
    assert shown == [
        (t.theme, t.label, t.count, t.previous, t.score, t.inputs) for t in counted.themes
    ]
    assert dict(by_source(current)) == Counter(r.source for r in records)


def test_theme_rows_count_residents_and_endorsements_apart(seeded: Engine) -> None:
    with session_scope(seeded) as session:
        sums = queries.theme_sums(session=session, filters=EVERYTHING, period=None)
        labels = queries.theme_labels(session=session)
    rows = theme_rows(sums, {1: 3}, labels, sort="label")
    assert [row.label for row in rows] == sorted(labels.values(), key=str.casefold)
    for row in rows:
        assert row.residents + row.endorsements == row.inputs.reach
        assert row.previous == (3 if row.theme == 1 else 0)


def test_week_counts_and_theme_cells_agree_with_the_records(seeded: Engine) -> None:
    bounds = [START + timedelta(weeks=w) for w in range(5)]
    with session_scope(seeded) as session:
        weeks = queries.week_counts(session=session, filters=EVERYTHING, bounds=bounds)
        one = queries.week_counts(session=session, filters=EVERYTHING, bounds=bounds, theme=2)
        total, cells = queries.theme_cells(session=session, theme=2)
        records = queries.full_records(session=session, filters=EVERYTHING, period=None)
    expected: dict[int | None, list[int]] = {}
    for record in records:
        week = (record.created_at - START) // timedelta(weeks=1)
        expected.setdefault(record.theme, [0] * 4)[week] += 1
    assert weeks == expected and one == {2: expected[2]}
    own = [r for r in records if r.theme == 2]
    assert total == len(own) == sum(expected[2])
    assert cells == Counter((g, r.area) for r in own for g in (r.groups or ("",)))


@pytest.mark.parametrize(("filters", "theme"), [(EVERYTHING, None), (Filters(group="senior"), 2)])
def test_the_map_counts_by_area_what_the_records_hold(
    seeded: Engine, filters: Filters, theme: int | None
) -> None:
    with session_scope(seeded) as session:
        counted = queries.area_counts(session=session, filters=filters, period=PERIOD, theme=theme)
        records = queries.full_records(session=session, filters=filters, period=PERIOD)
    wanted = [r for r in records if theme is None or r.theme == theme]
    assert counted == Counter(r.area for r in wanted)
    assert counted[""] > 0 or theme is not None  # problems with no area count too
