"""Candidates for "me too": the same place, or every area for a problem tied to no place."""

from datetime import UTC, datetime

from sqlalchemy import Engine

import flows.problem
from storage import queries
from storage.engine import session_scope

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_a_problem_without_a_place_is_compared_with_every_area(engine: Engine) -> None:
    with session_scope(engine) as session:
        me = queries.get_or_create_resident(session=session, pseudonym="me", now=NOW).id
        other = queries.get_or_create_resident(session=session, pseudonym="other", now=NOW).id
        assert me is not None and other is not None
        for area, resident in (("biri", other), ("sentrum", other), ("biri", me)):
            draft = flows.problem.Problem(text=f"Brev fra NAV ({area})", language="nb", area=area)
            queries.add_problem(
                session=session, resident_id=resident, problem=draft, source="telegram", now=NOW
            )
    with session_scope(engine) as session:

        def areas(area: str) -> list[str]:
            found = queries.similar_candidates(
                session=session, resident_id=me, workshop="", area=area
            )
            return sorted(c.area for c in found)

        assert areas("biri") == ["biri"]  # a place: that place only, never one's own
        assert areas("other") == areas("") == ["biri", "sentrum"]
