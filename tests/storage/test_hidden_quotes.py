"""Quotes staff hid: still counted, never quoted, never offered to another resident."""

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session

import flows.problem
from flows.digest import build_digest
from flows.periods import Period
from storage import queries
from storage.engine import session_scope

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SECRET = "Naboen min Kari selger dop ved skolen hver eneste kveld etter åtte"
PLAIN = "Bussen til Biri går for sjelden om kvelden og helgene for alle oss"


def _add(session: Session, resident: int | None, text: str, severity: int = 5) -> int:
    draft = flows.problem.Problem(text=text, language="nb", area="biri", severity=severity)
    return queries.add_problem(
        session=session, resident_id=resident, problem=draft, source="telegram", now=NOW
    )


def _planted(engine: Engine) -> tuple[int, int, int]:
    """Store a hidden and a shown problem by one resident; return theirs, another's, hidden."""
    with session_scope(engine) as session:
        author = queries.get_or_create_resident(session=session, pseudonym="a", now=NOW).id
        reader = queries.get_or_create_resident(session=session, pseudonym="b", now=NOW).id
        assert author is not None and reader is not None
        hidden = _add(session, author, SECRET)
        _add(session, author, PLAIN)
        queries.set_quote_hidden(
            session=session, problem_id=hidden, hidden=True, telegram_id=7, now=NOW
        )
    return author, reader, hidden


def test_a_hidden_quote_is_never_offered_as_similar(engine: Engine) -> None:
    _, reader, hidden = _planted(engine)
    with session_scope(engine) as session:
        found = queries.similar_candidates(
            session=session, resident_id=reader, workshop="", area="biri"
        )
    assert [c.text for c in found] == [PLAIN]
    with session_scope(engine) as session:
        queries.set_quote_hidden(
            session=session, problem_id=hidden, hidden=False, telegram_id=7, now=NOW
        )
    with session_scope(engine) as session:
        shown = queries.similar_candidates(
            session=session, resident_id=reader, workshop="", area="biri"
        )
    assert sorted(c.text for c in shown) == sorted([PLAIN, SECRET])  # reversible


def test_a_hidden_quote_is_counted_but_not_quoted_in_the_digest(engine: Engine) -> None:
    _planted(engine)
    with session_scope(engine) as session:
        records = queries.problem_records(session=session, hide_blocked=True)
    assert [r.quote_hidden for r in records] == [True, False]
    digest = build_digest(records, [], Period(NOW.replace(day=1), NOW.replace(day=28)))
    quoted = [q.text for q in (*digest.severe, *digest.quotes)]
    assert digest.problems == 2
    assert quoted and all("Kari" not in q and "dop" not in q for q in quoted)


def test_hidden_and_blocked_words_are_left_out_of_a_themes_words(engine: Engine) -> None:
    _planted(engine)
    with session_scope(engine) as session:
        blocked = queries.get_or_create_resident(session=session, pseudonym="c", now=NOW).id
        assert blocked is not None
        spam = _add(session, blocked, "Ring meg på 912 34 567 om bussen til Biri i kveld")
        queries.set_reporter_blocked(session=session, problem_id=spam, blocked=True, now=NOW)
        queries.store_themes(session=session, labels={3: "trafikk"}, now=NOW)
        ids = [record.id for record in queries.problem_records(session=session)]
        queries.set_problem_themes(session=session, themes=dict.fromkeys(ids, 3))
    with session_scope(engine) as session:
        members = queries.theme_members(session=session, theme_id=3)
    assert [text for _, text, _ in members] == [PLAIN]
