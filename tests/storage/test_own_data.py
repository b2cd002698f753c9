"""A resident's own reports and the forgetting of people who never consented (SQLite and PG)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

import flows.problem
from storage.engine import session_scope
from storage.queries.hot_path import load_state, save_state
from storage.queries.privacy import forget_unconsented, own_reports
from storage.queries.problems import add_problem
from storage.queries.residents import (
    get_or_create_resident,
    record_consent,
    resident_language,
    set_language,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DRAFT = flows.problem.Problem(
    text="Bussen til Hunndalen går for sjelden om kvelden.",
    language="nb",
    area="hunndalen",
    place="Hunndalsvegen",
)


def _resident(engine: Engine, pseudonym: str, now: datetime = T0) -> int:
    with session_scope(engine) as session:
        resident = get_or_create_resident(session=session, pseudonym=pseudonym, now=now)
        assert resident.id is not None
        return resident.id


def test_own_reports_hold_the_typed_place_and_start_as_received(engine: Engine) -> None:
    anna, other = _resident(engine, "anna"), _resident(engine, "other")
    with session_scope(engine) as session:
        for who in (anna, other, anna):
            add_problem(session=session, resident_id=who, problem=DRAFT, source="telegram", now=T0)
    with session_scope(engine) as session:
        mine = own_reports(session=session, resident_id=anna)
    assert [r.id for r in mine] == [1, 3]
    assert {(r.place, r.area, r.status) for r in mine} == {
        ("Hunndalsvegen", "hunndalen", "received")
    }
    assert mine[0].created_at == T0


def test_people_who_never_consented_are_forgotten_after_a_day(engine: Engine) -> None:
    held = _resident(engine, "held", T0 - timedelta(days=2))
    fresh = _resident(engine, "fresh", T0 - timedelta(hours=2))
    agreed = _resident(engine, "agreed", T0 - timedelta(days=2))
    with session_scope(engine) as session:
        for who in (held, fresh, agreed):
            save_state(session=session, resident_id=who, state={"held": "Bussen…"}, now=T0)
        record_consent(session=session, resident_id=agreed, version=1, now=T0 - timedelta(days=2))
        set_language(session=session, resident_id=fresh, language="uk")
    with session_scope(engine) as session:
        assert forget_unconsented(session=session, last_seen_before=T0 - timedelta(days=1)) == 1
    with session_scope(engine) as session:
        assert load_state(session=session, resident_id=held) is None
        assert load_state(session=session, resident_id=fresh) is not None
        assert load_state(session=session, resident_id=agreed) is not None
        assert resident_language(session=session, pseudonym="fresh") == "uk"
        assert resident_language(session=session, pseudonym="nobody") == ""
