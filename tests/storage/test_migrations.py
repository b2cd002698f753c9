"""Alembic migrations: they build the schema the models describe, and are safe to rerun."""

import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, text
from sqlmodel import SQLModel

import flows.problem
from flows.periods import Period
from flows.workspace import Filters
from storage import queries
from storage.engine import (
    MIGRATIONS_DIR,
    alembic_config,
    current_revision,
    for_dialect,
    head_revision,
    make_engine,
    session_scope,
    upgrade_database,
)
from storage.queries import get_or_create_resident

TABLES = {"resident", "conversation", "problem", "processed_update", "alembic_version"} | {
    "staff",
    "staff_invite",
    "digest_delivery",
}
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(empty_database_url):
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


def test_an_empty_database_has_no_revision(engine):
    assert current_revision(engine) is None


def test_upgrade_creates_every_table_at_head(engine):
    upgrade_database(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    newest = max(p.name.split("_")[0] for p in (MIGRATIONS_DIR / "versions").glob("0*.py"))
    assert current_revision(engine) == head_revision() == newest


def test_upgrade_by_url_then_again_keeps_the_data(engine, empty_database_url):
    upgrade_database(empty_database_url)
    with session_scope(engine) as session:
        get_or_create_resident(session=session, pseudonym="p1", now=NOW)
    upgrade_database(engine)
    upgrade_database(empty_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pseudonym FROM resident")).scalars().all() == ["p1"]
    assert current_revision(engine) == head_revision()


def test_models_and_migrations_agree(engine):
    upgrade_database(engine)
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_object": for_dialect(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_the_newest_revision_is_the_one_alembic_would_migrate_to():
    assert head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def test_a_database_one_revision_behind_is_brought_to_the_newest(engine):
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0015")
    assert current_revision(engine) == "0015"
    upgrade_database(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == head_revision()


_START_AT_HEAD = """
import json, sys
from bot.telegram.models import import_aiogram
import_aiogram()  # as `innspill run` does, first
import bot.app
import bot.cli.commands  # what `innspill run` imports
from bot.health import Heartbeat, Readiness
from bot.jobs.schema import SchemaWatch
from storage.engine import make_engine, upgrade_database
engine = make_engine(sys.argv[1])
upgrade_database(engine)
ready = SchemaWatch(engine).check()
print(json.dumps({"ready": ready, "alembic": sorted(m for m in sys.modules if "alembic" in m)}))
"""


def test_a_bot_starting_on_the_newest_schema_never_loads_alembic(sqlite_url):
    # Alembic costs 11 MiB of every process; only a database to migrate needs it.
    upgrade_database(sqlite_url)
    done = subprocess.run(
        [sys.executable, "-c", _START_AT_HEAD, sqlite_url],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        timeout=300,
    )
    assert json.loads(done.stdout) == {"ready": True, "alembic": []}


def test_downgrade_to_base_and_back(engine):
    upgrade_database(engine)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_sqlite_foreign_keys_are_back_on_after_upgrade(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade_database(engine)  # turns them off while migrating
    # The pool holds one connection now: the one that migrated.
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_0012_forms_themes_afresh_after_every_theme_id_ever_given(engine):
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0006")
    with engine.begin() as connection:
        old_model = '{"version": 1, "documents": 1}'
        connection.execute(text("UPDATE theme_state SET snapshot = :s, seq = 1"), {"s": old_model})
        connection.execute(
            text(
                "INSERT INTO theme (id, label, label_override, created_at) VALUES (7, 'a', '', :t)"
            ),
            {"t": NOW},
        )
        connection.execute(
            text(
                "INSERT INTO problem (text, language, suggested_solution, solution_language,"
                " groups, area, frequency, source, workshop, created_at, theme_id, theme_seq)"
                " VALUES ('Bussen', 'nb', '', '', '[]', '', '', 'telegram', '', :t, 7, 1)"
            ),
            {"t": NOW},
        )
    upgrade_database(engine)
    with session_scope(engine) as session:
        state = queries.lock_theme_state(session=session)
        assert state.snapshot is not None and state.snapshot["version"] == 2
        assert state.snapshot["next_id"] == 8 and (state.seq, state.snapshot_seq) == (0, 0)
        assert queries.unthemed_problems(session=session, limit=5)[0][1] == "Bussen"


def test_0015_counts_a_period_of_stored_problems_from_its_index(engine):
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0013")
        connection.execute(
            text(
                "INSERT INTO problem (text, language, suggested_solution, solution_language,"
                " groups, area, place, frequency, source, workshop, created_at)"
                " VALUES ('Bussen', 'nb', '', '', '[\"senior\"]', 'biri', '', '', 'telegram',"
                " '', :t)"
            ),
            {"t": NOW},
        )
    upgrade_database(engine)
    names = {index["name"] for index in inspect(engine).get_indexes("problem")}
    assert names & {"ix_problem_view", "ix_problem_view_pg"}
    period = Period(NOW - timedelta(days=1), NOW + timedelta(days=1))
    with session_scope(engine) as session:
        sums, _ = queries.view_sums(session=session, filters=Filters(), period=period)
        assert (sums.problems, sums.count(0), sums.count(1)) == (1, {"biri": 1}, {"senior": 1})
    if engine.dialect.name == "sqlite":  # a year is read from an index alone, not the rows
        query = "SELECT area, groups, count(*) FROM problem WHERE created_at >= ? GROUP BY 1, 2"
        with engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}", (NOW,)).all()
        assert "USING COVERING INDEX ix_problem_" in " ".join(str(row[-1]) for row in plan)


def test_0017_hands_postgresql_each_themes_residents_in_order(postgres_url):
    # Counting a theme's distinct residents and areas sorts a year of problems unless an
    # index already holds them in theme order; with sorting priced out, the plan shows which.
    engine = make_engine(postgres_url)
    try:
        upgrade_database(engine)
        query = (
            "SELECT theme_id, count(DISTINCT resident_id), count(DISTINCT nullif(area, ''))"
            " FROM problem WHERE theme_id IS NOT NULL AND created_at >= %(t)s GROUP BY theme_id"
        )
        with engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {query}", {"t": NOW}).all()
        shown = " ".join(str(row[0]) for row in plan)
        assert "Index Only Scan using ix_problem_theme_residents_pg" in shown
    finally:
        engine.dispose()


def _statements_of_a_years_overview(engine: Engine) -> list[tuple[str, object]]:
    """Return the statements (with their parameters) that a year's overview sends."""
    seen: list[tuple[str, object]] = []

    def note(*args: object) -> None:
        seen.append((str(args[2]), args[3]))

    event.listen(engine, "before_cursor_execute", note)
    year = Period(NOW - timedelta(days=365), NOW)
    with session_scope(engine) as session:
        queries.view_sums(session=session, filters=Filters(), period=year, earlier=year)
    event.remove(engine, "before_cursor_execute", note)
    return seen


def test_0019_hands_postgresql_the_residents_of_two_periods_in_order(postgres_url):
    # The overview counts the distinct residents of a period and of the one before in one
    # pass (storage/queries/tallies.py); with sorting priced out, the plan shows what it reads.
    engine = make_engine(postgres_url)
    try:
        upgrade_database(engine)
        seen = _statements_of_a_years_overview(engine)
        people = [(s, p) for s, p in seen if s.lower().count("count(distinct(case") == 2]
        assert len(people) == 1
        # Which index a planner takes for an almost empty table is a toss-up: with the ones in
        # time order out of the way (rolled back), the new one must hold all the pass reads.
        with engine.connect() as connection, connection.begin() as transaction:
            for index in ("ix_problem_view_pg", "ix_problem_created_at"):
                connection.exec_driver_sql(f"DROP INDEX {index}")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {people[0][0]}", people[0][1]).all()
            transaction.rollback()
        shown = " ".join(str(row[0]) for row in plan)
        assert "Index Only Scan using ix_problem_resident_time_pg" in shown
    finally:
        engine.dispose()


def test_0018_counts_a_long_sqlite_period_in_index_order_without_sorting(sqlite_url):
    # SQLite sorts a GROUP BY's rows unless they come in its order; the plans of the statements
    # a year's overview and themes table run show which index they read and whether they sort.
    engine = make_engine(sqlite_url)
    try:
        upgrade_database(engine)
        seen = _statements_of_a_years_overview(engine)
        plans = {}
        with engine.connect() as connection:
            for statement, parameters in seen:
                if "INDEXED BY" in statement:
                    found = connection.exec_driver_sql(
                        f"EXPLAIN QUERY PLAN {statement}", parameters
                    )
                    plans[statement] = " | ".join(str(row[-1]) for row in found)
        indexes = {next(i for i in ("segments", "themes") if i in p) for p in plans.values()}
        assert indexes == {"segments", "themes"} and len(plans) == 3  # and the year before's
        assert not [p for p in plans.values() if "TEMP B-TREE FOR GROUP BY" in p], plans
    finally:
        engine.dispose()


def test_0020_finds_a_word_on_postgresql_from_the_trigram_index(postgres_url):
    # The workspace's text search is "text ILIKE '%word%'" per word (storage/queries/explore.py):
    # the statement the problems page counts with must read the trigram index, not the table.
    engine = make_engine(postgres_url)
    try:
        upgrade_database(engine)
        seen: list[tuple[str, object]] = []

        def note(*args: object) -> None:
            seen.append((str(args[2]), args[3]))

        event.listen(engine, "before_cursor_execute", note)
        with session_scope(engine) as session:
            queries.count_view(session=session, filters=Filters(text="buss"), period=None)
        event.remove(engine, "before_cursor_execute", note)
        statement, parameters = next((s, p) for s, p in seen if "ILIKE" in s.upper())
        with engine.connect() as connection, connection.begin() as transaction:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
            transaction.rollback()
        shown = " ".join(str(row[0]) for row in plan)
        assert "Bitmap Index Scan on ix_problem_text_trgm" in shown, shown
    finally:
        engine.dispose()


def test_0020_without_pg_trgm_warns_and_the_text_search_still_finds(postgres_url, caplog):
    # A database owner who may not create extensions (or a server without contrib): the
    # upgrade must still reach the head, tell the operator what to run, and search unindexed.
    role = f"innspill_plain_{uuid.uuid4().hex[:8]}"
    admin = make_engine(postgres_url)
    with admin.connect() as connection, connection.begin():
        connection.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        connection.exec_driver_sql(f'GRANT CREATE, USAGE ON SCHEMA public TO "{role}"')
    engine = make_engine(admin.url.set(username=role).render_as_string(hide_password=False))
    try:
        with caplog.at_level("WARNING"):
            upgrade_database(engine)
        assert current_revision(engine) == head_revision()
        warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
        assert "pg_trgm" in warned
        assert (
            "CREATE INDEX ix_problem_text_trgm ON problem USING gin (text gin_trgm_ops)" in warned
        )
        assert "ix_problem_text_trgm" not in {
            i["name"] for i in inspect(engine).get_indexes("problem")
        }
        with session_scope(engine) as session:
            someone = get_or_create_resident(session=session, pseudonym="p1", now=NOW).id
            for words in ("Bussen kommer for sent", "Mørkt på stien"):
                draft = flows.problem.Problem(text=words, language="nb")
                queries.add_problem(
                    session=session, resident_id=someone, problem=draft, source="telegram", now=NOW
                )
        with session_scope(engine) as session:
            found = queries.count_view(session=session, filters=Filters(text="buss"), period=None)
        assert found == 1
    finally:
        engine.dispose()
        with admin.connect() as connection, connection.begin():
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
        admin.dispose()
        with make_engine(postgres_url).connect() as connection, connection.begin():
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
