"""The digest counted by the database is, field by field, the digest of every record."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

import flows.problem
from bot.content_files import load_content, load_staff_texts
from bot.services.digests import DigestBuilder
from flows.digest import Digest, build_digest
from flows.digest_text import render_digest
from flows.periods import Period, previous, week_period
from flows.records import label_in
from flows.trend import EARLIER_PERIODS, count_periods, trend_start, weekly
from storage import queries
from storage.database import Database
from storage.engine import session_scope
from storage.queries import digest_counts, digest_quotes

ZONE = ZoneInfo("Europe/Oslo")
END = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning
SPAN = timedelta(days=120)
_WORDS = (
    "bussen kommer sjelden brøyting fortauet glatt isen skolen lekeplassen lyset gatelys "
    "parkering biblioteket stengt helgene eldre trenger benker ventetid legen fastlege "
    "sykkelvei farlig kryss trafikken støy naboer søppel henting hentes sjeldnere"
)
WORDS = tuple(_WORDS.split())
AREAS = ("sentrum", "biri", "hunndalen", "", "raufoss", "snertingdal")  # the last ones rare
GROUPS = ((), ("senior",), ("youth", "student"), ("senior", "parent_young_children"), ("worker",))
FREQUENCIES = ("daily", "weekly", "", "rarely", "monthly", "few_times_year")
LANGUAGES = ("nb", "nn", "en", "pl", "uk", "")


def _text(rng: random.Random, n: int) -> str:
    if n % 23 == 0:
        return "ok vei"  # too few words to quote
    if n % 31 == 0:
        return "Bussen kommer sjelden og fortauet er glatt om vinteren"  # said again and again
    words = rng.sample(WORDS, rng.randint(2, 14))
    if n % 17 == 0:
        words.insert(1, "ring meg på 912 34 567")
    return " ".join(words).capitalize() + "."


def _seed(session: Session, *, themed: bool) -> None:
    """Store 400 varied problems: blocked and erased residents, notes, endorsements, themes."""
    rng = random.Random(17)
    people = [
        queries.get_or_create_resident(session=session, pseudonym=f"p{n}", now=END - SPAN).id
        for n in range(40)
    ]
    if themed:
        queries.store_themes(
            session=session,
            labels={t: f"Tema {t}" + (" ring 912 34 567" if t == 4 else "") for t in range(1, 9)},
            now=END - SPAN,
        )
    themes: dict[int, int] = {}
    ids = []
    for n in range(400):
        heavy = n % 3 == 0
        draft = flows.problem.Problem(
            text=_text(rng, n),
            language=LANGUAGES[n % len(LANGUAGES)],
            groups=GROUPS[0 if n % 13 == 0 else rng.randrange(1, len(GROUPS))],
            area=AREAS[rng.randrange(4) if n % 29 else 4 + n % 2],
            frequency=FREQUENCIES[rng.randrange(len(FREQUENCIES))],
            severity=None if n % 7 == 0 else rng.randint(1, 5),
            workshop="" if n % 10 else f"ws-{n % 3}",
        )
        if n % 9 == 0:
            draft = draft.with_solution("Flere benker langs veien" if n % 18 else "   ", "nb")
        source = "import" if n % 11 == 0 else "telegram"
        resident = None if source == "import" or n % 37 == 0 else people[rng.randrange(40)]
        at = END - SPAN * rng.random() ** (0.5 if heavy else 1.5)
        pid = queries.add_problem(
            session=session, resident_id=resident, problem=draft, source=source, now=at
        )
        ids.append(pid)
        if themed and n % 8:
            themes[pid] = 1 + rng.randrange(8) if n % 5 else 8  # theme 8 stays small
        for fan in people[: n % 4 if n % 6 == 0 else 0]:
            assert fan is not None
            queries.endorse(session=session, resident_id=fan, problem_id=pid, now=at)
    if themes:
        queries.set_problem_themes(session=session, themes=themes)
        queries.merge_themes(session=session, keep=2, absorb=3)
    for pid in ids[5::19]:
        queries.set_quote_hidden(
            session=session, problem_id=pid, hidden=True, telegram_id=1, now=END
        )
    for pid in ids[3:60:25]:
        queries.set_reporter_blocked(session=session, problem_id=pid, blocked=True, now=END)


def _records_digest(engine: Engine, period: Period) -> Digest:
    """The oracle: every record of the period loaded and counted one by one."""
    periods = [previous(period, ZONE)]
    while len(periods) < EARLIER_PERIODS:
        periods.append(previous(periods[-1], ZONE))
    since = min(periods[-1].start, trend_start(period.end, ZONE))
    with session_scope(engine) as session:
        current = queries.problem_records(
            session=session, since=period.start, until=period.end, hide_blocked=True
        )
        before = queries.problem_records(
            session=session, since=periods[0].start, until=periods[0].end, hide_blocked=True
        )
        stamps = queries.problem_stamps(
            session=session, since=since, until=period.end, hide_blocked=True
        )
    return build_digest(
        current,
        before,
        period,
        earlier=count_periods(stamps, [(p.start, p.end) for p in periods]),
        trend=weekly(stamps, period.end, ZONE),
        label=label_in("nb"),
    )


PERIODS = {
    "week": week_period(END, ZONE),
    "four weeks": Period(END - timedelta(days=28), END),
    "all time": Period(END - SPAN - timedelta(days=1), END + timedelta(minutes=1)),
}


@pytest.mark.parametrize("themed", [True, False], ids=["themes", "no themes"])
@pytest.mark.parametrize(("ranked", "keep"), [(4096, 8), (4, 1)])
def test_the_counted_digest_is_the_digest_of_every_record(
    engine: Engine, themed: bool, ranked: int, keep: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 4096: the period's best quotes, read 8, 16, 32… at a time, settle the quotes; 4: they
    # cannot, so the best of each list are read, and the lists cut too short are widened.
    # Themes are counted exactly all at once (10), or a few at a time by their bounds (1, 4…).
    monkeypatch.setattr(digest_counts, "FIRST_THEMES", 10 if ranked > 4 else 1)
    monkeypatch.setattr(digest_quotes, "RANKED", ranked)
    monkeypatch.setattr(digest_quotes, "FIRST_QUOTES", min(ranked, 8))
    monkeypatch.setattr(digest_quotes, "QUOTE_CANDIDATES", keep)
    with session_scope(engine) as session:
        _seed(session, themed=themed)
    content, texts = load_content(), load_staff_texts()
    builder = DigestBuilder(db=Database(engine), content=content, texts=texts, zone=ZONE)
    for name, period in PERIODS.items():
        expected = _records_digest(engine, period)
        counted = builder.digest(period, "nb")
        assert expected.problems > 0 and (expected.themes or expected.combinations), name
        assert len(expected.quotes) == 4 and expected.severe, name
        for field in Digest.__dataclass_fields__:
            assert getattr(counted, field) == getattr(expected, field), (name, field)
        names = builder.names("nb")
        assert render_digest(counted, texts, "nb", names, ZONE) == render_digest(
            expected, texts, "nb", names, ZONE
        )
