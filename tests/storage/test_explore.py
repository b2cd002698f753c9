"""The workspace's reads of a view: filtered, paged newest first, counted, light or whole."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

import flows.problem
from flows.periods import Period
from flows.workspace import Filters
from storage import queries
from storage.engine import session_scope

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ALL = Filters(period="all")


def _seed(engine: Engine) -> list[int]:
    """Store five problems a day apart; return their ids, oldest first."""
    rows = [
        ("Bussen til Biri går for sjelden", "biri", ("senior",), "telegram"),
        ("100% av oss venter_på bussen", "sentrum", ("youth", "senior"), "telegram"),
        ("Snø på fortauet hver morgen", "biri", ("youth",), "import"),
        ("Kveldsbussen kommer aldri", "hunndalen", (), "terminal"),
        ("Brev fra NAV er vanskelige", "biri", ("seniorer",), "telegram"),
    ]
    ids = []
    with session_scope(engine) as session:
        someone = queries.get_or_create_resident(session=session, pseudonym="p1", now=START).id
        for n, (text, area, groups, source) in enumerate(rows):
            draft = flows.problem.Problem(text=text, language="nb", area=area, groups=groups)
            ids.append(
                queries.add_problem(
                    session=session,
                    resident_id=someone if source != "import" else None,
                    problem=draft,
                    source=source,
                    now=START + timedelta(days=n),
                )
            )
    return ids


def _texts(engine: Engine, filters: Filters, period: Period | None = None) -> list[str]:
    with session_scope(engine) as session:
        return [
            r.text for r in queries.full_records(session=session, filters=filters, period=period)
        ]


def test_filters_narrow_by_segment_words_and_period(engine: Engine) -> None:
    _seed(engine)
    assert _texts(engine, Filters(group="senior")) == [
        "100% av oss venter_på bussen",
        "Bussen til Biri går for sjelden",
    ]  # "seniorer" is another group, not a prefix match
    assert _texts(engine, Filters(text="BUSSEN")) == [
        "Kveldsbussen kommer aldri",
        "100% av oss venter_på bussen",
        "Bussen til Biri går for sjelden",
    ]
    assert _texts(engine, Filters(text="100%")) == ["100% av oss venter_på bussen"]
    assert _texts(engine, Filters(text="%")) == _texts(engine, ALL)  # a wildcard alone: nothing
    assert _texts(engine, Filters(area="biri", source="import")) == ["Snø på fortauet hver morgen"]
    middle = Period(START + timedelta(days=1), START + timedelta(days=3))
    assert _texts(engine, ALL, middle) == [
        "Snø på fortauet hver morgen",
        "100% av oss venter_på bussen",
    ]


def test_pages_are_newest_first_and_counted_as_a_whole(engine: Engine) -> None:
    ids = _seed(engine)
    with session_scope(engine) as session:
        second = queries.full_records(session=session, filters=ALL, period=None, limit=2, offset=2)
        total = queries.count_view(session=session, filters=Filters(area="biri"), period=None)
        everything = queries.full_records(session=session, filters=ALL, period=None)
    assert [r.id for r in second] == [ids[2], ids[1]]
    assert total == 3
    assert [r.id for r in everything] == [ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert [r.resident for r in everything if r.source == "import"] == [""]


def test_hidden_ids_and_cell_totals(engine: Engine) -> None:
    ids = _seed(engine)
    with session_scope(engine) as session:
        queries.set_quote_hidden(
            session=session, problem_id=ids[1], hidden=True, telegram_id=9, now=START
        )
    with session_scope(engine) as session:
        hidden = queries.hidden_ids(session=session, ids=ids)
        cells = queries.cell_totals(session=session, period=None)
    assert hidden == {ids[1]}
    assert sorted((tuple(g), a, n) for g, a, n in cells) == [
        ((), "hunndalen", 1),
        (("senior",), "biri", 1),
        (("seniorer",), "biri", 1),
        (("youth",), "biri", 1),
        (("youth", "senior"), "sentrum", 1),
    ]
