"""Closing the loop end to end: staff set a status, residents who agreed hear of it once."""

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.jobs.notices import POLICY, NoticeKind, StatusNews
from bot.services.digests import DigestBuilder
from bot.services.themes import merge_themes
from bot.telegram.delivery import Delivery
from flows.periods import Period
from flows.problem import Problem
from flows.quiet_hours import DEFAULT_QUIET_HOURS
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import StatusNotice
from storage.queries.statuses import Target
from tests.bot.harness import Clock, Person, running_bot, settings_for
from tests.fakebotapi import FakeBotAPI
from tests.packaged import content

pytestmark = pytest.mark.e2e
OSLO = ZoneInfo("Europe/Oslo")
KARI = 7001  # staff (an admin from ADMIN_IDS)
ANNA, BOB, CARL, DINA, EVA, FRODE = 1001, 1002, 1003, 1004, 1005, 1006
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Oslo
EVERY = 0.1  # seconds of real time between the scheduler's looks
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."
NOTE = "Vi setter opp en ekstra kveldsavgang fra mars."


class Reporter(Person):
    """A resident who reports one problem through the whole interview."""

    async def reports(
        self, text: str, area: str, *, hear_back: str, endorse: bool = False
    ) -> None:
        """Consent, describe, answer every question, confirm, and answer "hear back?"."""
        await self.says("/start")
        await self.presses("consent:yes")
        await self.says(text)
        await self.presses("frequency:daily")
        await self.presses("severity:4")
        await self.presses("groups:senior", expect=0)  # edits the question in place
        await self.api.wait_for(
            lambda a: any("✓" in b for b, _ in a.sent_to(self.user_id)[-1].buttons)
        )
        await self.presses("groups:done")
        await self.presses(f"area:{area}")
        await self.presses("review:confirm")  # saved (others too, same for you?), hear back?
        if endorse:
            await self.presses("similar:same")  # noted, hear back?
        await self.presses(f"hear_back:{hear_back}")  # thanks, another?

    async def presses(self, data: str, expect: int = 1) -> list[str]:
        self.api.press(self.user_id, data)
        return [message.text for message in await self.reads(expect)]


def problem_ids(database_url: str) -> dict[str, int]:
    """Return the id of each stored problem by its text."""
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        found = {r.text: r.id for r in queries.problem_records(session=session)}
    engine.dispose()
    return found


async def one_theme(database_url: str) -> int:
    """Wait until every problem has a theme, then merge them all into the first one."""
    engine = make_engine(database_url)
    for _ in range(100):
        with session_scope(engine) as session:
            themes = [r.theme for r in queries.problem_records(session=session)]
        if all(t is not None for t in themes):
            break
        await asyncio.sleep(0.1)
    keep, *others = sorted({t for t in themes if t is not None})
    for absorb in others:
        merge_themes(engine, keep=keep, absorb=absorb, now=START)
    engine.dispose()
    return keep


async def test_a_status_set_at_night_reaches_exactly_those_who_agreed_once_in_the_morning(
    api: FakeBotAPI, database_url: str
) -> None:
    clock = Clock(START)
    settings = settings_for(api, database_url, admin_ids=str(KARI))
    async with running_bot(settings, clock, digest_every=EVERY) as core:
        frode = Reporter(api, FRODE)
        await frode.reports(
            "Gatelysene på Nordbyen er slukket hele vinteren.", "nordbyen", hear_back="yes"
        )
        clock.advance(hours=1)
        anna, bob = Reporter(api, ANNA), Reporter(api, BOB, language_code="en")
        await anna.reports(BUS, "hunndalen", hear_back="yes")
        await bob.reports(
            BUS.replace("hjem", "hjem fra jobb"), "hunndalen", hear_back="yes", endorse=True
        )
        carl, dina, eva = Reporter(api, CARL), Reporter(api, DINA), Reporter(api, EVA)
        await carl.reports(
            "Fortauet ved Biri skole blir aldri brøytet om morgenen.", "biri", hear_back="no"
        )
        await dina.reports(
            "Det er for få benker langs gangveien i sentrum.", "sentrum", hear_back="yes"
        )
        await eva.reports(
            "Parkeringen ved Vardal kirke er alltid full på søndager.", "vardal", hear_back="yes"
        )
        theme = await one_theme(database_url)
        await dina.says("/stop")  # stopped; the question again
        await eva.says("/delete")
        await eva.presses("delete:yes")
        forgotten = await asyncio.to_thread(
            core.db.call, queries.purge_inactive, last_seen_before=START + timedelta(minutes=30)
        )
        assert forgotten == 1  # Frode, silent longest
        kari = Person(api, KARI)
        clock.now = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 21:30 in Oslo: quiet hours
        [first] = await kari.says(f"/theme status {theme} reviewing")
        assert first.text.startswith(
            f"Tema {theme} har nå status «Blir sett på». Innbyggere som får beskjed: 2"
        )
        clock.advance(minutes=10)
        [second] = await kari.says(f"/theme status {theme} planned {NOTE}")
        assert "«Planlagt». Innbyggere som får beskjed: 2" in second.text
        [refused] = await kari.says(f"/theme status {theme} declined")
        assert refused.text.startswith("«declined» (ikke tatt videre) trenger en begrunnelse")
        clock.now = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # the hour is over, still night
        await asyncio.sleep(10 * EVERY)
        assert len(api.sent_to(ANNA)) == anna.seen and len(api.sent_to(BOB)) == bob.seen
        clock.now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 in Oslo
        [to_anna] = await anna.reads(1)
        [to_bob] = await bob.reads(1)
        clock.advance(hours=2)
        await asyncio.sleep(10 * EVERY)  # later looks find nothing more
        mine, _ = await anna.says("/mine", expect=2)  # then the question she was at
        week = Period(START - timedelta(days=1), START + timedelta(days=6))
        builder = DigestBuilder(
            db=core.db, content=core.content, texts=core.staff_texts, zone=OSLO
        )
        digest = await asyncio.to_thread(builder.plain, week, "en")
    ids = problem_ids(database_url)
    annas = ids[BUS]
    assert f"Innspillene dine: #{annas}" in to_anna.text
    assert "Status: Planlagt" in to_anna.text and NOTE in to_anna.text
    assert "Merknaden er skrevet på: Norsk bokmål" in to_anna.text
    assert "Blir sett på" not in to_anna.text  # the two changes became one message
    assert f"You said “same for me” to: #{annas}" in to_bob.text
    assert "Status: Planned" in to_bob.text and NOTE in to_bob.text
    assert "The note is written in: Norsk bokmål" in to_bob.text
    for person in (anna, bob, carl, dina, eva, frode):
        assert len(api.sent_to(person.user_id)) == person.seen  # nothing more, to nobody else
    assert f"G-{annas}" in mine.text and "Planlagt" in mine.text and NOTE in mine.text
    assert "You said, we did" in digest
    assert f"Theme {theme}" in digest and "Planned (residents told: 2)" in digest


def owed(database_url: str, count: int) -> list[int]:
    """Store ``count`` residents who agreed, each with a problem in theme 1 and news owed."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        for n in range(count):
            row = queries.get_or_create_resident(session=session, pseudonym=f"r{n}", now=START)
            assert row.id is not None
            queries.set_language(session=session, resident_id=row.id, language="nb")
            queries.record_hear_back(
                session=session, resident_id=row.id, version=1, chat_id=ANNA + n, now=START
            )
            draft = Problem(text=f"Bussen går for sjelden ({n}).", language="nb")
            problem = queries.add_problem(
                session=session, resident_id=row.id, problem=draft, source="telegram", now=START
            )
            queries.store_themes(session=session, labels={1: "buss"}, now=START)
            queries.set_problem_themes(session=session, themes={problem: 1})
        change = queries.add_status_change(
            session=session, target=Target(theme_id=1), status="done", note=NOTE,
            note_language="nb", changed_by="cli:test", now=START,
        )  # fmt: skip
        queries.owe_notices(session=session, change=change, now=START)
        ids = queries.outbox_due(
            session=session, table=StatusNotice, now=START + timedelta(hours=1)
        )
    engine.dispose()
    return ids


async def test_a_crash_between_two_sends_neither_loses_nor_repeats_one(
    api: FakeBotAPI, database_url: str
) -> None:
    first, second = owed(database_url, 2)
    db = Database(make_engine(database_url))
    bot = api.make_bot()
    delivery = Delivery(bot)
    kind = NoticeKind(db=db, content=content(), delivery=delivery, default_language="nb")
    now = START + timedelta(hours=1)  # 11:00 in Oslo
    # The crashed process leased both, sent the first and recorded it, and died.
    leased = [
        db.call(kind.claim, row_id=row, claim="dead", now=now, until=now + POLICY.lease)
        for row in (first, second)
    ]
    assert leased[0] is not None and leased[1] is not None
    assert await kind.sender()(leased[0])
    assert db.call(queries.outbox_finish, table=StatusNotice, row_id=first, claim="dead", now=now)
    clock = Clock(now + timedelta(minutes=5))
    news = StatusNews(
        db=db, content=content(), delivery=delivery, clock=clock, zone=OSLO,
        quiet=DEFAULT_QUIET_HOURS, default_language="nb",
    )  # fmt: skip
    assert await news.send_due() == 0  # the dead process's lease still holds the second
    api.fail_next("sendMessage", status=429, retry_after=1)  # and Telegram asks to slow down
    clock.now = now + POLICY.lease + timedelta(minutes=1)
    assert await news.send_due() == 1
    assert await news.send_due() == 0
    await bot.session.close()
    db.engine.dispose()
    assert [len(api.sent_to(ANNA)), len(api.sent_to(ANNA + 1))] == [1, 1]
    assert NOTE in api.sent_to(ANNA + 1)[0].text
