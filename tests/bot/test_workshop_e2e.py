"""Workshops end to end: staff make one, participants come through its link, follow-ups go out."""

import asyncio
import io
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
import zxingcpp
from PIL import Image
from sqlmodel import SQLModel, select

from bot.services.workshops import create_workshop
from flows.problem import Problem
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import FollowUp, Observation, Resident
from tests.bot.harness import (
    Clock,
    running_bot,
    saved_text,
    settings_for,
    stored_problems,
    text_of,
    together,
)
from tests.bot.harness import Resident as TelegramResident
from tests.factories import make_callback_update
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
KARI = 7001  # staff (an admin from ADMIN_IDS)
ANNA, BOB = 1001, 1002  # participants
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Oslo
EVERY = 0.1  # seconds of real time between the scheduler's looks
CODE = "biri1"
Row = TypeVar("Row", bound=SQLModel)
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."
SNOW = "Fortauet ved Biri sentrum blir ikke brøytet før midt på dagen om vinteren."


class Participant(TelegramResident):
    """A workshop participant: a resident who can also report a whole problem in one call."""

    async def reports(
        self, text: str, *, follow_ups: str | None = "yes", hear_back: str = "yes"
    ) -> None:
        """Describe a problem, answer the questions the workshop did not fill in, confirm."""
        await self.says(text)
        await self.presses("frequency:weekly")
        await self.presses("severity:4")  # group and area came from the workshop: the review
        if follow_ups is None:
            await self.presses("review:confirm")  # saved, another?
            return
        await self.presses("review:confirm")  # saved, may we follow up?
        await self.presses(f"follow_up:{follow_ups}")  # thanks, hear back?
        await self.presses(f"hear_back:{hear_back}")  # thanks, another?


def workshop(database_url: str, *, followups: str = "1d,14d") -> None:
    """Create the workshop as `innspill workshop create` does."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    create_workshop(
        engine,
        name="Seniortreff på Biri",
        group="senior",
        area="biri",
        held_on=date(2026, 11, 23),
        followups=followups,
        now=START - timedelta(days=1),
        zone=ZoneInfo("Europe/Oslo"),
        bot_username="innspill_test_bot",
        code=CODE,
    )
    engine.dispose()


def rows(database_url: str, model: type[Row]) -> list[Row]:
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        found = list(session.exec(select(model)))
    engine.dispose()
    return found


async def test_staff_create_a_workshop_whose_qr_code_decodes_to_its_link(
    api: FakeBotAPI, database_url: str
) -> None:
    settings = settings_for(api, database_url, admin_ids=str(KARI))
    async with running_bot(settings, Clock(START)):
        kari = Participant(api, KARI)
        [ask_group] = await kari.says("/workshop Seniortreff på Biri")
        assert "Seniortreff på Biri" in ask_group
        data = [d for _, d in api.sent_to(KARI)[-1].buttons]
        code = (data[0] or "").split(":")[2]
        await kari.presses(f"wsx:g:{code}:senior", expect=0)  # the question is edited in place
        await api.wait_for(lambda a: "wsx:a:" in str(a.sent_to(KARI)[-1].buttons))
        await kari.presses(f"wsx:a:{code}:biri", expect=0)
        await api.wait_for(lambda a: "wsx:d:" in str(a.sent_to(KARI)[-1].buttons))
        summary, _ = await kari.presses(f"wsx:d:{code}:2026-11-26", expect=2)
        poster = api.sent_to(KARI)[-1]
        [listing] = await kari.says("/workshops")
    link = f"https://t.me/{api.bot_username}?start=ws_{code}"
    assert link in summary and "26.11.2026" in summary and "Senior" in summary  # local date
    assert poster.kind == "photo" and poster.file is not None
    image = Image.open(io.BytesIO(poster.file))
    assert image.width >= 1000  # large enough to print on a poster
    [decoded] = zxingcpp.read_barcodes(image)
    assert decoded.text == link
    assert "Seniortreff på Biri" in listing and code in listing


async def test_a_resident_cannot_make_a_workshop(api: FakeBotAPI, database_url: str) -> None:
    async with running_bot(settings_for(api, database_url), Clock(START)) as core:
        anna = Participant(api, ANNA)
        await anna.says("/start")
        [reply] = await anna.says("/workshop Hemmelig")  # and the consent question again
    assert reply.startswith(text_of(core, "unknown_command"))
    assert rows(database_url, Resident) and not [r for r in stored_problems(database_url)]


async def test_a_participant_reports_two_problems_tagged_with_the_workshop(
    api: FakeBotAPI, database_url: str
) -> None:
    workshop(database_url)
    async with running_bot(settings_for(api, database_url), Clock(START)) as core:
        anna = Participant(api, ANNA)
        [greeting] = await anna.says(f"/start ws_{CODE}")  # welcome, workshop, consent
        await anna.presses("consent:yes")
        await anna.reports(BUS)
        await anna.presses("another:yes")
        await anna.reports(SNOW, follow_ups=None)  # asked once only
    assert text_of(core, "workshop_welcome", workshop="Seniortreff på Biri") in greeting
    found = stored_problems(database_url)
    assert [(r.text, r.workshop, r.groups, r.area) for r in found] == [
        (BUS, CODE, ("senior",), "biri"),
        (SNOW, CODE, ("senior",), "biri"),
    ]
    assert len({r.resident for r in found}) == 1


async def test_an_unknown_workshop_code_starts_the_normal_interview(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url), Clock(START)) as core:
        anna = Participant(api, ANNA)
        [greeting] = await anna.says("/start ws_nosuch")
    note, welcome, consent = greeting.split("\n\n", 2)
    assert note == text_of(core, "workshop_unknown")
    assert welcome == text_of(core, "welcome", municipality="Gjøvik")
    assert consent == text_of(core, "consent", municipality="Gjøvik")


def chat_ids(database_url: str) -> dict[bool, list[int | None]]:
    found = rows(database_url, Resident)
    return {
        agreed: [r.chat_id for r in found if r.follow_up_consent == agreed]
        for agreed in (True, False)
    }


async def test_the_first_follow_up_goes_once_to_those_who_agreed(
    api: FakeBotAPI, database_url: str
) -> None:
    workshop(database_url)
    clock = Clock(START)
    async with running_bot(settings_for(api, database_url), clock, digest_every=EVERY) as core:
        anna, bob = Participant(api, ANNA), Participant(api, BOB)
        for person, text, answer in ((anna, BUS, "yes"), (bob, SNOW, "no")):
            await person.says(f"/start ws_{CODE}")
            await person.presses("consent:yes")
            await person.reports(text, follow_ups=answer, hear_back=answer)
        assert chat_ids(database_url) == {True: [ANNA], False: [None]}
        clock.now = START + timedelta(days=1) - timedelta(minutes=1)
        await asyncio.sleep(5 * EVERY)
        assert len(api.sent_to(ANNA)) == anna.seen  # not due yet
        clock.now = START + timedelta(days=1, seconds=30)
        [check] = await anna.reads(1)
        clock.now += timedelta(hours=1)
        await asyncio.sleep(5 * EVERY)  # more looks find nothing more to send
    assert check == text_of(core, "follow_up_check", workshop="Seniortreff på Biri")
    assert len(api.sent_to(ANNA)) == anna.seen and len(api.sent_to(BOB)) == bob.seen
    clock.now += timedelta(hours=2)
    async with running_bot(settings_for(api, database_url), clock, digest_every=EVERY):
        await asyncio.sleep(5 * EVERY)  # a restart does not repeat it
    assert len(api.sent_to(ANNA)) == anna.seen
    sent = [(f.round, f.sent_at is not None) for f in rows(database_url, FollowUp)]
    assert sorted(sent) == [(0, True), (1, False)]


async def test_a_follow_up_due_at_night_is_sent_at_eight(
    api: FakeBotAPI, database_url: str
) -> None:
    workshop(database_url)
    evening = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 23:00 in Oslo
    clock = Clock(evening)
    async with running_bot(settings_for(api, database_url), clock, digest_every=EVERY):
        anna = Participant(api, ANNA)
        await anna.says(f"/start ws_{CODE}")
        await anna.presses("consent:yes")
        await anna.reports(BUS)
        clock.now = evening + timedelta(days=1)  # due: Tuesday 23:00 in Oslo
        await asyncio.sleep(5 * EVERY)
        clock.now = datetime(2026, 11, 25, 6, 59, tzinfo=UTC)
        await asyncio.sleep(5 * EVERY)
        assert len(api.sent_to(ANNA)) == anna.seen  # held through the night
        clock.now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 in Oslo
        await anna.reads(1)
    [first] = [f for f in rows(database_url, FollowUp) if f.round == 0]
    assert first.sent_at == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


async def test_the_later_follow_up_asks_per_problem_and_stores_the_answer(
    api: FakeBotAPI, database_url: str
) -> None:
    workshop(database_url, followups="1d,14d")
    clock = Clock(START)
    async with running_bot(settings_for(api, database_url), clock, digest_every=EVERY) as core:
        anna = Participant(api, ANNA)
        await anna.says(f"/start ws_{CODE}")
        await anna.presses("consent:yes")
        await anna.reports(BUS)
        clock.now = START + timedelta(days=14, minutes=1)
        await anna.reads(2)  # the first, late, then the second round
        buttons = [d or "" for _, d in api.sent_to(ANNA)[-1].buttons]
        # answers that fit "has it happened again?": several times, once, no
        assert [b.rsplit(":", 1)[1] for b in buttons] == ["several", "once", "no"]
        await anna.presses(buttons[0], expect=0)  # the question is replaced by thanks
        await api.wait_for(lambda a: a.sent_to(ANNA)[-1].text == text_of(core, "follow_up_thanks"))
        [stopped] = await anna.says("/stop")  # and the question she is on
    [observation] = rows(database_url, Observation)
    assert (observation.recurred, observation.frequency) == (True, "several")
    assert stopped.startswith(text_of(core, "follow_ups_stopped"))
    assert chat_ids(database_url) == {True: [], False: [None]}


async def test_same_for_me_counts_once_per_resident(api: FakeBotAPI, database_url: str) -> None:
    workshop(database_url)
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        other = queries.get_or_create_resident(session=session, pseudonym="other", now=START)
        assert other.id is not None
        draft = Problem(
            text="Bussen til Hunndalen går altfor sjelden om kvelden, ring 41234567.",
            language="nb",
            area="biri",
            workshop=CODE,
        )
        queries.add_problem(
            session=session, resident_id=other.id, problem=draft, source="telegram", now=START
        )
    engine.dispose()
    async with running_bot(settings_for(api, database_url), Clock(START)) as core:
        anna = Participant(api, ANNA)
        await anna.says(f"/start ws_{CODE}")
        await anna.presses("consent:yes")
        await anna.says(BUS)
        await anna.presses("frequency:weekly")
        await anna.presses("severity:4")
        [saved] = await anna.presses("review:confirm")  # saved, others said, theirs: me too?
        _, intro, shown = saved.rsplit("\n\n", 2)
        asked = api.sent_to(ANNA)[-1].message_id
        await anna.presses("similar:same")  # thanks, may we follow up?
        await anna.presses("follow_up:no")
        # The question loses its buttons once answered (its mark may follow the next question);
        # a quick second tap still arrives.
        await api.wait_for(
            lambda a: not next(m for m in a.sent_to(ANNA) if m.message_id == asked).buttons
        )
        api.queue_update(
            make_callback_update(data="similar:same", user_id=ANNA, update_id=999_001)
        )
        [stale] = await anna.reads(1)
        await anna.presses("hear_back:no")
        await anna.presses("another:yes")
        await anna.says(BUS)
        await anna.presses("frequency:weekly")
        await anna.presses("severity:4")
        again = await anna.presses("review:confirm")  # not asked about it again
    assert stale == together(text_of(core, "stale_button"), text_of(core, "hear_back_ask"))
    # the other resident's problem is 1, Anna's first 2: this one is "G-3"
    assert again == [together(saved_text(core, 3), text_of(core, "ask_another"))]
    assert intro == text_of(core, "similar_intro")
    assert "41234567" not in shown and "[lenke]" in shown  # a contact is a neutral marker
    theirs, *annas = stored_problems(database_url)
    assert theirs.endorsements == 1  # Anna pressed "same" twice: one resident, one endorsement
    assert [r.endorsements for r in annas] == [0, 0]
