"""Theme queries: snapshot revisions, theme rows, labels that staff override, merges."""

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from flows.problem import Problem
from storage import queries
from storage.engine import session_scope

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def add(engine: Engine, text: str) -> int:
    with session_scope(engine) as session:
        resident = queries.get_or_create_resident(session=session, pseudonym="r", now=NOW)
        assert resident.id is not None
        return queries.add_problem(
            session=session,
            resident_id=resident.id,
            problem=Problem(text=text, language="nb"),
            source="telegram",
            now=NOW,
        )


def test_unthemed_problems_come_in_id_order_until_they_get_a_theme(engine: Engine) -> None:
    ids = [add(engine, f"problem {n}") for n in range(5)]
    with session_scope(engine) as session:
        assert [row[0] for row in queries.unthemed_problems(session=session, limit=3)] == ids[:3]
        queries.store_themes(session=session, labels={7: "buss · kveld"}, now=NOW)
        queries.set_problem_themes(session=session, themes={ids[0]: 7, ids[2]: 7})
    with session_scope(engine) as session:
        pending = queries.unthemed_problems(session=session, limit=10)
        assert [row[0] for row in pending] == [ids[1], ids[3], ids[4]]
        records = queries.problem_records(session=session)
    assert [(r.theme, r.theme_label) for r in records] == [
        (7, "buss · kveld"),
        (None, ""),
        (7, "buss · kveld"),
        (None, ""),
        (None, ""),
    ]


def test_a_staff_label_wins_over_the_automatic_one_until_cleared(engine: Engine) -> None:
    problem = add(engine, "Bussen går sjelden")
    with session_scope(engine) as session:
        queries.store_themes(session=session, labels={3: "buss"}, now=NOW)
        queries.set_problem_themes(session=session, themes={problem: 3})
        assert queries.rename_theme(session=session, theme_id=3, label="Kollektivtrafikk")
        assert not queries.rename_theme(session=session, theme_id=4, label="x")
        queries.store_themes(session=session, labels={3: "buss · avgang"}, now=NOW)
    with session_scope(engine) as session:
        [record] = queries.problem_records(session=session)
        assert record.theme_label == "Kollektivtrafikk"
        queries.rename_theme(session=session, theme_id=3, label="")
    with session_scope(engine) as session:
        assert queries.problem_records(session=session)[0].theme_label == "buss · avgang"


def test_a_merge_moves_problems_and_remembers_where(engine: Engine) -> None:
    ids = [add(engine, f"problem {n}") for n in range(3)]
    with session_scope(engine) as session:
        queries.store_themes(session=session, labels={1: "a", 2: "b"}, now=NOW)
        queries.set_problem_themes(session=session, themes={ids[0]: 1, ids[1]: 2, ids[2]: 2})
        assert queries.merge_themes(session=session, keep=1, absorb=2) == 2
    with session_scope(engine) as session:
        assert [(t.id, n) for t, n in queries.theme_counts(session=session)] == [(1, 3)]
        absorbed = queries.get_theme(session=session, theme_id=2)
        assert absorbed is not None and absorbed.merged_into == 1
        assert queries.max_theme_id(session=session) == 2


def test_every_state_write_raises_the_revision(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert queries.theme_revision(session=session) == 0
        assert queries.lock_theme_state(session=session).snapshot is None
        assert queries.write_theme_state(session=session, now=NOW, seq=4, last_problem_id=9) == 1
        snapshot = {"version": 1, "documents": 4}
        queries.write_theme_state(session=session, now=NOW, seq=6, snapshot=snapshot)
    with session_scope(engine) as session:
        state = queries.lock_theme_state(session=session)
        assert (state.revision, state.seq, state.snapshot_seq) == (2, 6, 6)
        assert (state.snapshot, state.last_problem_id) == (snapshot, 9)
        queries.write_theme_state(session=session, now=NOW, seq=7, last_problem_id=3)
        state = queries.lock_theme_state(session=session)
        assert (state.seq, state.snapshot_seq, state.last_problem_id) == (7, 6, 9)


def test_assignments_since_the_snapshot_replay_in_their_order(engine: Engine) -> None:
    ids = [add(engine, f"problem {n}") for n in range(4)]
    with session_scope(engine) as session:
        queries.set_problem_themes(
            session=session,
            themes={ids[0]: 1, ids[1]: 2, ids[2]: 1, ids[3]: 3},
            seqs={ids[0]: 1, ids[1]: 3, ids[2]: 2},  # ids[3] is in a snapshot: no seq
        )
        replayed = queries.replay_problems(session=session, after=1)
    assert replayed == [("problem 2", "nb", 1), ("problem 1", "nb", 2)]
