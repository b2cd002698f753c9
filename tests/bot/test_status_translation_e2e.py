"""A staff note reaches residents in another language with its machine translation, once.

The real bot against the fake Bot API and the fake LibreTranslate, both on 127.0.0.1.
"""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from storage.engine import make_engine, session_scope
from storage.models import NoteTranslation, StatusNotice
from tests.bot.harness import Clock, Person, running_bot, settings_for
from tests.bot.test_status_e2e import BUS, NOTE, Reporter, one_theme
from tests.fakebotapi import FakeBotAPI
from tests.fakelibretranslate import running_fake_translator

pytestmark = pytest.mark.e2e
KARI = 7001  # staff (an admin from ADMIN_IDS)
OLENA, PAWEL, ANNA = 2001, 2002, 2003
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Oslo
EVERY = 0.1  # seconds of real time between the scheduler's looks
SIDEWALK = "Fortauet ved Biri skole blir aldri brøytet om morgenen."
MACHINE_UK = "Машинний переклад українською"
MACHINE_PL = "Tłumaczenie maszynowe na polski"


async def reported(api: FakeBotAPI, database_url: str, clock: Clock) -> tuple[Reporter, ...]:
    """Olena (uk) and Anna (nb) hear back, Pawel (pl) does not; all in one theme, "planned"."""
    olena = Reporter(api, OLENA, language_code="uk")
    await olena.reports(BUS, "hunndalen", hear_back="yes")
    pawel = Reporter(api, PAWEL, language_code="pl")
    await pawel.reports(SIDEWALK, "biri", hear_back="no")
    anna = Reporter(api, ANNA)
    await anna.reports(
        "Det er for få benker langs gangveien i sentrum.", "sentrum", hear_back="yes"
    )
    theme = await one_theme(database_url)
    [done] = await Person(api, KARI).says(f"/theme status {theme} planned {NOTE}")
    assert "Innbyggere som får beskjed: 2" in done.text
    clock.advance(hours=1, minutes=1)  # the changes of the hour are one message: now due
    return olena, pawel, anna


async def test_a_ukrainian_speaker_gets_the_note_and_its_translation_once(
    api: FakeBotAPI, database_url: str
) -> None:
    clock = Clock(START)
    async with running_fake_translator() as fake:
        settings = settings_for(api, database_url, admin_ids=str(KARI), translate_url=fake.url)
        async with running_bot(settings, clock, digest_every=EVERY) as core:
            olena, pawel, anna = await reported(api, database_url, clock)
            [to_olena] = await olena.reads(1)
            [to_anna] = await anna.reads(1)
            await api.wait_for(lambda _: any(r["target"] == "pl" for r in fake.requests))
            await asyncio.sleep(10 * EVERY)  # later looks ask for nothing again
            olenas_mine, _ = await olena.says("/mine", expect=2)  # and the question again
            pawels_mine, _ = await pawel.says("/mine", expect=2)
            annas_mine, _ = await anna.says("/mine", expect=2)
            assert core.content.languages  # the bot ran with the packaged content
    assert NOTE in to_olena.text  # as written …
    assert "Norsk bokmål" in to_olena.text  # … with the language it is written in …
    assert f"{MACHINE_UK} (може містити помилки): [uk] {NOTE}" in to_olena.text  # … marked
    assert NOTE in to_anna.text and "[" not in to_anna.text  # already in her language
    assert f"[uk] {NOTE}" in olenas_mine.text and MACHINE_UK in olenas_mine.text
    # Pawel gets no message, but his /mine has the note in Polish too.
    assert f"[pl] {NOTE}" in pawels_mine.text and MACHINE_PL in pawels_mine.text
    assert NOTE in annas_mine.text and "[" not in annas_mine.text
    asked = [(r["target"], tuple(r["q"])) for r in fake.requests if NOTE in r["q"]]
    assert sorted(asked) == [("en", (NOTE,)), ("pl", (NOTE,)), ("uk", (NOTE,))]  # once each
    for person in (olena, pawel, anna):
        assert len(api.sent_to(person.user_id)) == person.seen
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        kept = {row.target for row in session.exec(select(NoteTranslation))}
    engine.dispose()
    assert kept == {"en", "pl", "uk"}


@pytest.mark.parametrize("trouble", ["down", "slow"])
async def test_without_a_working_translator_the_note_goes_alone_promptly_once(
    api: FakeBotAPI, database_url: str, trouble: str
) -> None:
    clock = Clock(START)
    async with running_fake_translator(delay=5.0 if trouble == "slow" else 0.0) as fake:
        if trouble == "down":
            await fake.stop()  # nothing listens there any more
        settings = settings_for(
            api, database_url, admin_ids=str(KARI), translate_url=fake.url, translate_timeout=0.5
        )
        async with running_bot(settings, clock, digest_every=EVERY):
            olena, _, anna = await reported(api, database_url, clock)
            [to_olena] = await olena.reads(1, within=3.0)  # not held up by the translator
            await anna.reads(1, within=3.0)
            clock.advance(hours=6)
            await asyncio.sleep(10 * EVERY)  # later looks send nothing again
            olenas_mine, _ = await olena.says("/mine", expect=2)
    assert NOTE in to_olena.text
    assert MACHINE_UK not in to_olena.text and "[uk]" not in to_olena.text
    assert NOTE in olenas_mine.text and MACHINE_UK not in olenas_mine.text
    assert len(api.sent_to(OLENA)) == olena.seen and len(api.sent_to(ANNA)) == anna.seen
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        notices = list(session.exec(select(StatusNotice)))
        kept = list(session.exec(select(NoteTranslation)))
    engine.dispose()
    assert sorted(n.attempts for n in notices) == [0, 0] and all(n.sent_at for n in notices)
    assert kept == []
    if trouble == "slow":  # asked once, then left alone for the pause
        assert len([r for r in fake.requests if NOTE in r["q"]]) == 1
