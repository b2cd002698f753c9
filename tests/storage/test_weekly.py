"""PostgreSQL's weekly sums give the figures counting every problem gives, whatever wrote them."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import Engine, insert, text

import flows.problem
from flows.periods import Period
from flows.priority import PER_YEAR
from flows.tallies import Before, ViewSums
from flows.workspace import Filters
from storage import queries
from storage.engine import (
    alembic_config,
    head_revision,
    make_engine,
    read_scope,
    session_scope,
    upgrade_database,
)
from storage.models import Problem
from storage.queries import weekly
from storage.queries.weekly import weeks_of
from storage.transfer import copy_database

pytestmark = pytest.mark.postgres

OSLO = ZoneInfo("Europe/Oslo")
# Ten weeks around the end of summer time in Oslo (25 October 2026), and the year before.
START = datetime(2026, 9, 20, 13, 0, tzinfo=UTC)
GROUPS = ((), ("senior",), ("youth", "student"), ("senior", "parent_young_children"))
AREAS = ("biri", "sentrum", "", "hunndalen")
FREQUENCIES = ("daily", "weekly", "", "rarely", "monthly", "few_times_year")
EVERYTHING = Filters(period="all")


def _local(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=OSLO)


PERIODS = {
    # Monday 00:00 UTC to Monday 00:00 UTC: whole weeks only.
    "aligned": Period(datetime(2026, 9, 21, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)),
    # Local midnights, as the workspace's periods are, across the change to winter time.
    "local, across DST": Period(_local("2026-09-23"), _local("2026-11-27")),
    "from the first problem": Period(START, START + timedelta(days=70)),
    "the year before and this": Period(_local("2025-09-01"), _local("2026-12-01")),
}


@pytest.fixture
def engine(migrated_postgres_url: str) -> Iterator[Engine]:
    made = make_engine(migrated_postgres_url)
    yield made
    made.dispose()


def _draft(n: int) -> flows.problem.Problem:
    return flows.problem.Problem(
        text=f"Problem nummer {n} om bussen",
        language=("nb", "nn", "", "en")[n % 4],
        groups=GROUPS[n % 4],
        area=AREAS[n % 4 if n % 5 else 1],
        frequency=FREQUENCIES[n % 6],
        severity=None if n % 6 == 0 else 1 + n % 5,
    )


def _seed(engine: Engine, count: int = 140, first: datetime = START) -> list[int]:
    """Store problems every half day from ``first``: residents, erased ones and notes."""
    with session_scope(engine) as session:
        people = [
            queries.get_or_create_resident(session=session, pseudonym=f"p{n}", now=first).id
            for n in range(9)
        ]
        queries.store_themes(
            session=session, labels={1: "snø", 2: "buss", 3: "NAV", 4: "lys"}, now=first
        )
        ids = []
        for n in range(count):
            source = "import" if n % 11 == 0 else "telegram"
            resident = None if source == "import" or n % 13 == 0 else people[n % 9]
            ids.append(
                queries.add_problem(
                    session=session,
                    resident_id=resident,
                    problem=_draft(n),
                    source=source,
                    now=first + timedelta(hours=12 * n + n % 7),
                )
            )
    return ids


def _sums(engine: Engine, period: Period, *, summed: bool) -> tuple[ViewSums, Before]:
    earlier = Period(period.start - (period.end - period.start), period.start)
    with read_scope(engine) as session:
        current, before = queries.view_sums(
            session=session, filters=EVERYTHING, period=period, earlier=earlier, summed=summed
        )
    themes = tuple(sorted(current.themes, key=lambda sums: sums.theme))
    return ViewSums(current.problems, current.residents, current.segments, themes), before


def _assert_summed_as_counted(engine: Engine) -> None:
    for name, period in PERIODS.items():
        with read_scope(engine) as session:
            assert weeks_of(session, EVERYTHING, period) is not None, name  # summed, not counted
        assert _sums(engine, period, summed=True) == _sums(engine, period, summed=False), name
    with read_scope(engine) as session:
        for period in PERIODS.values():
            summed = queries.theme_sums(session=session, filters=EVERYTHING, period=period)
            counted = queries.theme_sums(
                session=session, filters=EVERYTHING, period=period, summed=False
            )
            assert sorted(summed, key=lambda s: s.theme) == sorted(counted, key=lambda s: s.theme)


def test_every_write_path_keeps_the_weekly_sums_exact(engine: Engine) -> None:
    ids = _seed(engine)
    ids += _seed(engine, count=20, first=START - timedelta(days=365))  # the year before
    _assert_summed_as_counted(engine)
    with session_scope(engine) as session:  # the theme assigner's batch
        queries.set_problem_themes(session=session, themes={i: 1 + i % 4 for i in ids[:-7]})
    _assert_summed_as_counted(engine)
    with session_scope(engine) as session:
        queries.merge_themes(session=session, keep=2, absorb=3)
        assert queries.move_problem(session=session, problem_id=ids[5], theme_id=4)
    _assert_summed_as_counted(engine)
    with session_scope(engine) as session:
        resident = queries.get_or_create_resident(session=session, pseudonym="p3", now=START).id
        assert queries.erase_resident(session=session, resident_id=resident) > 0
        # A resident deleted keeps its problems, anonymous now (ON DELETE SET NULL).
        other = queries.get_or_create_resident(session=session, pseudonym="p4", now=START).id
        assert queries.delete_resident(session=session, resident_id=other)
        assert queries.purge_old_problems(session=session, created_before=START, limit=5) == 5
        queries.clear_problem_themes(session=session, ids=ids[40:60])
    _assert_summed_as_counted(engine)
    with session_scope(engine) as session:  # nothing summed changes: nothing to add
        session.execute(text("UPDATE problem SET quote_words = quote_words + 1"))
    _assert_summed_as_counted(engine)
    with session_scope(engine) as session:
        session.execute(text("DELETE FROM problem WHERE id % 3 = 0"))
    _assert_summed_as_counted(engine)
    with session_scope(engine) as session:
        session.execute(text("TRUNCATE problem CASCADE"))
        left = session.execute(text("SELECT count(*) FROM segment_week")).scalar_one()
    assert left == 0
    _seed(engine, count=30)
    _assert_summed_as_counted(engine)


def test_the_upgrade_sums_the_problems_stored_before(postgres_url: str) -> None:
    made = make_engine(postgres_url)
    try:
        with made.begin() as connection:
            command.upgrade(alembic_config(connection), "0021")
        ids = _seed(made)
        with session_scope(made) as session:
            queries.set_problem_themes(session=session, themes={i: 1 + i % 3 for i in ids})
        upgrade_database(made)
        with made.connect() as connection:
            assert connection.execute(
                text("SELECT version_num FROM alembic_version")
            ).scalar() == (head_revision())
        _assert_summed_as_counted(made)
        with made.begin() as connection:
            command.downgrade(alembic_config(connection), "0021")
        _seed(made, count=3)  # saved without the triggers, then summed again
        upgrade_database(made)
        _assert_summed_as_counted(made)
    finally:
        made.dispose()


def test_two_writers_saving_at_once_neither_wait_forever_nor_lose_a_problem(
    engine: Engine,
) -> None:
    _seed(engine, count=10)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def save(offset: int) -> None:
        try:
            start.wait()
            for n in range(80):  # as the bot saves: one problem per transaction
                with session_scope(engine) as session:
                    queries.add_problem(
                        session=session,
                        resident_id=None,
                        problem=_draft(n),
                        source="telegram",
                        now=START + timedelta(days=n % 20, hours=offset),
                    )
            # Many problems in one statement, the same weeks and segments in the other's order.
            rows = [
                {
                    "created_at": START + timedelta(days=n % 20, hours=offset),
                    "text": f"Mange {n}",
                    "language": "nb" if n % 2 else "en",
                    "suggested_solution": "",
                    "solution_language": "",
                    "groups": list(GROUPS[n % 4]),
                    "area": AREAS[n % 4],
                    "frequency": "",
                    "source": "telegram",
                    "workshop": "",
                    "place": "",
                    "quote_words": 0,
                }
                for n in (range(40) if offset else reversed(range(40)))
            ]
            with session_scope(engine) as session:
                session.execute(insert(Problem).values(rows))
        except BaseException as error:  # reported below
            errors.append(error)

    writers = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert errors == []
    with read_scope(engine) as session:
        stored = session.execute(text("SELECT count(*) FROM problem")).scalar_one()
    assert stored == 10 + 2 * 80 + 2 * 40
    _assert_summed_as_counted(engine)


def test_a_copy_into_postgresql_replacing_its_problems_is_summed_anew(
    engine: Engine, migrated_sqlite_url: str
) -> None:
    _seed(engine, count=50)  # replaced below: their sums must go with them
    source = make_engine(migrated_sqlite_url)
    try:
        ids = _seed(source)
        with session_scope(source) as session:
            queries.set_problem_themes(session=session, themes={i: 1 + i % 4 for i in ids})
        copy_database(source, engine, replace=True)
    finally:
        source.dispose()
    _assert_summed_as_counted(engine)
    with read_scope(engine) as session:
        summed = session.execute(text("SELECT sum(problems) FROM segment_week")).scalar_one()
    assert summed == len(ids)


def test_the_weekly_sums_count_every_frequency_the_priority_rates() -> None:
    # A frequency the priority rates but the weekly sums do not count apart would be left out of
    # the year's "how often" on PostgreSQL only: a new key needs a migration adding its column.
    assert set(weekly.FREQUENCIES) == set(PER_YEAR)
