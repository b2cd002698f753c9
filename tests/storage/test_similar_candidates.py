"""Candidates for "me too": the same place, or every area for a problem tied to no place."""

from datetime import UTC, datetime, timedelta

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


def test_a_workshop_and_an_area_offer_the_newest_of_both_each_once(engine: Engine) -> None:
    # (minutes after NOW, workshop, area): read as two places, shown as one list, newest first.
    saved = [
        (1, "kafe", "biri"),
        (2, "", "sentrum"),
        (3, "kafe", "sentrum"),  # both places: offered once
        (4, "", "vardal"),  # neither: never offered
        (5, "kafe", "redalen"),
        (6, "", "sentrum"),
    ]
    with session_scope(engine) as session:
        me = queries.get_or_create_resident(session=session, pseudonym="me", now=NOW).id
        other = queries.get_or_create_resident(session=session, pseudonym="other", now=NOW).id
        assert me is not None and other is not None
        for minutes, workshop, area in saved:
            draft = flows.problem.Problem(
                text=f"Brev fra NAV ({minutes})", language="nb", area=area, workshop=workshop
            )
            queries.add_problem(
                session=session,
                resident_id=other,
                problem=draft,
                source="telegram",
                now=NOW + timedelta(minutes=minutes),
            )
    with session_scope(engine) as session:

        def offered(limit: int) -> list[str]:
            found = queries.similar_candidates(
                session=session, resident_id=me, workshop="kafe", area="sentrum", limit=limit
            )
            return [c.text for c in found]

        assert offered(200) == [f"Brev fra NAV ({m})" for m in (6, 5, 3, 2, 1)]
        assert offered(3) == [f"Brev fra NAV ({m})" for m in (6, 5, 3)]
