"""Statuses in the database: history, who is told, one message per change, what is public."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from flows.problem import Problem
from flows.status import COALESCE_WINDOW
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import StatusNotice
from storage.queries.statuses import Target

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BUS, SNOW = 1, 2  # theme ids


def resident(session: Session, name: str, *, agreed: bool, language: str = "nb") -> int:
    row = queries.get_or_create_resident(session=session, pseudonym=name, now=NOW)
    assert row.id is not None
    queries.set_language(session=session, resident_id=row.id, language=language)
    version = 1 if agreed else 0
    queries.record_hear_back(
        session=session, resident_id=row.id, version=version, chat_id=row.id + 1000, now=NOW
    )
    return row.id


def report(session: Session, resident_id: int | None, theme: int, text: str = "Bussen") -> int:
    draft = Problem(text=f"{text} går for sjelden om kvelden.", language="nb")
    problem_id = queries.add_problem(
        session=session, resident_id=resident_id, problem=draft, source="telegram", now=NOW
    )
    queries.store_themes(session=session, labels={theme: f"tema {theme}"}, now=NOW)
    queries.set_problem_themes(session=session, themes={problem_id: theme})
    return problem_id


def change(session: Session, target: Target, status: str, note: str, at: datetime) -> int:
    row = queries.add_status_change(
        session=session,
        target=target,
        status=status,
        note=note,
        note_language="nb",
        changed_by="cli:test",
        now=at,
    )
    return queries.owe_notices(session=session, change=row, now=at)


def notices(session: Session) -> list[tuple[int, int]]:
    rows = session.exec(select(StatusNotice).order_by(StatusNotice.resident_id)).all()
    return [(row.resident_id, row.change_id) for row in rows]


def test_reporters_and_endorsers_who_agreed_are_owed_one_message_per_change(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        anna = resident(session, "anna", agreed=True)
        bob = resident(session, "bob", agreed=True, language="en")
        carl = resident(session, "carl", agreed=False)
        dina = resident(session, "dina", agreed=True)
        annas = report(session, anna, BUS)
        report(session, carl, BUS)
        report(session, dina, SNOW, "Snøen")
        report(session, None, BUS)  # imported: nobody to tell
        assert queries.endorse(session=session, resident_id=bob, problem_id=annas, now=NOW)
        assert queries.residents_by_language(session=session, target=Target(theme_id=BUS)) == {
            "nb": 1,
            "en": 1,
        }
        assert change(session, Target(theme_id=BUS), "reviewing", "", NOW) == 2
        [first, _] = notices(session)
        # Within the hour: the unsent notices follow the newer change; nobody gets two.
        assert change(session, Target(theme_id=BUS), "planned", "Fra mars.", NOW) == 2
        later = notices(session)
        assert [who for who, _ in later] == [anna, bob] and first[1] < later[0][1]
        assert len({change_id for _, change_id in later}) == 1
        due = queries.outbox_due(session=session, table=StatusNotice, now=NOW + COALESCE_WINDOW)
        assert len(due) == 2
        assert queries.outbox_due(session=session, table=StatusNotice, now=NOW) == []
        message = queries.claim_status_notice(
            session=session, notice_id=due[1], claim="c", now=NOW + COALESCE_WINDOW,
            until=NOW + timedelta(hours=2),
        )  # fmt: skip
        assert message is not None
        assert (message.language, message.status, message.note) == ("en", "planned", "Fra mars.")
        assert (message.reports, message.endorsed) == ((), (annas,))
        history = queries.status_history(session=session, target=Target(theme_id=BUS))
        assert [(c.status, c.changed_by) for c in history] == [
            ("reviewing", "cli:test"),
            ("planned", "cli:test"),
        ]
    engine.dispose()


def test_stop_and_delete_and_forgetting_leave_nothing_to_send(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        anna = resident(session, "anna", agreed=True)
        bob = resident(session, "bob", agreed=True)
        carl = resident(session, "carl", agreed=True)
        for who in (anna, bob, carl):
            report(session, who, BUS)
        change(session, Target(theme_id=BUS), "planned", "", NOW)
        assert queries.withdraw_hear_back(session=session, resident_id=anna) == 1
        data = queries.resident_data(session=session, resident_id=anna)
        assert data["resident"]["hear_back_version"] == 0 and data["resident"]["chat_id"] is None
        queries.erase_resident(session=session, resident_id=bob)
        queries.set_language(session=session, resident_id=carl, language="nb")
    with session_scope(engine) as session:
        assert [who for who, _ in notices(session)] == [carl]
        queries.purge_inactive(session=session, last_seen_before=NOW + timedelta(days=1))
    with session_scope(engine) as session:
        assert notices(session) == []
        assert queries.audience(session=session, target=Target(theme_id=BUS)).residents == set()
    engine.dispose()


def test_a_problem_shows_its_own_status_else_its_themes_and_follows_a_move(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        anna = resident(session, "anna", agreed=True)
        first = report(session, anna, BUS)
        second = report(session, anna, SNOW, "Snøen")
        change(session, Target(theme_id=BUS), "planned", "Ekstra avgang.", NOW)
        change(session, Target(theme_id=SNOW), "done", "Brøytet.", NOW)
        change(session, Target(problem_id=second), "declined", "Privat vei.", NOW)
        statuses = queries.status_of_problems(session=session, problem_ids=[first, second])
        assert (statuses[first].status, statuses[first].note) == ("planned", "Ekstra avgang.")
        assert (statuses[second].status, statuses[second].note) == ("declined", "Privat vei.")
        queries.merge_themes(session=session, keep=SNOW, absorb=BUS)
        [moved, _] = queries.resident_statuses(session=session, resident_id=anna)
        assert (moved.id, moved.status) == (first, "done")  # follows the theme it is in now
        assert not queries.target_exists(session=session, target=Target(theme_id=BUS))
    engine.dispose()


def test_only_public_themes_are_published_and_the_digest_counts_who_was_told(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        anna = resident(session, "anna", agreed=True)
        for n in range(6):
            report(session, anna if n == 0 else None, BUS)
        report(session, None, SNOW, "Snøen")
        change(session, Target(theme_id=BUS), "in_progress", "Vi jobber med saken.", NOW)
        assert queries.set_public(session=session, theme_id=BUS, public=True, now=NOW)
        assert not queries.set_public(session=session, theme_id=99, public=True, now=NOW)
        [shown] = queries.public_results(session=session)
        assert (shown.theme_id, shown.count, shown.status) == (BUS, 6, "in_progress")
        [notice] = session.exec(select(StatusNotice)).all()
        notice.sent_at = NOW + COALESCE_WINDOW
        [line] = queries.changes_between(
            session=session, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1)
        )
        assert (line.theme_id, line.label, line.status, line.told) == (
            BUS,
            "tema 1",
            "in_progress",
            1,
        )
        assert queries.set_public(session=session, theme_id=BUS, public=False, now=NOW)
        assert queries.public_results(session=session) == []
    engine.dispose()
