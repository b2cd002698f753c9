"""The daily clean-up forgets silent residents but keeps their problems, unlinked."""

from datetime import UTC, datetime, timedelta

from bot.jobs.housekeeping import BATCH, Housekeeping
from flows.problem import Problem
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


async def test_silent_residents_are_forgotten_and_their_problems_stay(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        old = queries.get_or_create_resident(
            session=session, pseudonym="old", now=NOW - timedelta(days=200)
        )
        recent = queries.get_or_create_resident(
            session=session, pseudonym="recent", now=NOW - timedelta(days=10)
        )
        for who in (old, recent):
            assert who.id is not None
            state = {"step": "idle"}
            queries.save_state(session=session, resident_id=who.id, state=state, now=NOW)
            draft = Problem(text="Veien er ikke brøytet.", language="nb")
            queries.add_problem(
                session=session, resident_id=who.id, problem=draft, source="telegram", now=NOW
            )
        queries.claim_update(session=session, update_id=1, now=NOW - timedelta(days=8))
        queries.claim_update(session=session, update_id=2, now=NOW)
    clock_now = [NOW]
    keeper = Housekeeping(
        db=Database(engine), clock=lambda: clock_now[0], retention=timedelta(days=180)
    )
    await keeper.run()
    with session_scope(engine) as session:
        records = queries.problem_records(session=session)
        assert sorted(r.resident for r in records) == ["", "recent"]
        assert not queries.claim_update(session=session, update_id=2, now=NOW)
        assert queries.claim_update(session=session, update_id=1, now=NOW)  # was pruned
    assert keeper.clean(NOW) == (0, 0, 0)  # nothing more to do
    engine.dispose()


async def test_problems_past_their_retention_go_with_everything_about_them(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        author = queries.get_or_create_resident(session=session, pseudonym="author", now=NOW)
        reader = queries.get_or_create_resident(session=session, pseudonym="reader", now=NOW)
        assert author.id is not None and reader.id is not None
        ids = []
        for age, text in ((731, "Gammel klage om gatelys."), (700, "Nyere klage om gatelys.")):
            draft = Problem(text=text, language="nb", area="biri")
            ids.append(
                queries.add_problem(
                    session=session,
                    resident_id=author.id,
                    problem=draft,
                    source="telegram",
                    now=NOW - timedelta(days=age),
                )
            )
            queries.endorse(session=session, resident_id=reader.id, problem_id=ids[-1], now=NOW)
        shown = {"step": "similar", "similar_ids": ids, "similar_texts": ["Gammel…", "Nyere…"]}
        queries.save_state(session=session, resident_id=reader.id, state=shown, now=NOW)
    keeper = Housekeeping(
        db=Database(engine),
        clock=lambda: NOW,
        retention=timedelta(days=180),
        problem_retention=timedelta(days=730),
    )
    await keeper.run()
    with session_scope(engine) as session:
        [left] = queries.problem_records(session=session)
        assert (left.id, left.text, left.endorsements) == (ids[1], "Nyere klage om gatelys.", 1)
        state = queries.load_state(session=session, resident_id=reader.id)
        assert state is not None
        assert (state["similar_ids"], state["similar_texts"]) == ([ids[1]], ["Nyere…"])
    engine.dispose()


async def test_a_clean_up_larger_than_a_batch_forgets_everyone_due_and_no_one_else(
    database_url: str,
) -> None:
    # Silent and active residents alternate, over more than two batches of each kind.
    engine = make_engine(database_url)
    upgrade_database(engine)
    count = 2 * BATCH + 50
    with session_scope(engine) as session:
        for number in range(2 * count):
            days = 200 if number % 2 else 10
            who = queries.get_or_create_resident(
                session=session, pseudonym=f"r{number}", now=NOW - timedelta(days=days)
            )
            assert who.id is not None
            seen = NOW - timedelta(days=days)
            queries.record_consent(session=session, resident_id=who.id, version=1, now=seen)
            draft = Problem(text=f"Gatelyset er mørkt ved hus {number}.", language="nb")
            queries.add_problem(
                session=session,
                resident_id=who.id,
                problem=draft,
                source="telegram",
                now=NOW - timedelta(days=800 if number < count else 10),
            )
    keeper = Housekeeping(
        db=Database(engine),
        clock=lambda: NOW,
        retention=timedelta(days=180),
        problem_retention=timedelta(days=730),
    )
    assert keeper.clean(NOW) == (count, count, 0)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session)
        assert len(records) == count  # the recent half
        assert {r.resident for r in records} == {
            "",
            *(f"r{n}" for n in range(count, 2 * count, 2)),
        }
    assert keeper.clean(NOW) == (0, 0, 0)
    engine.dispose()
