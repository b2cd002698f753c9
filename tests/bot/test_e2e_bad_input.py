"""End to end: what residents, groups and floods do to the bot; each answered, nothing lost."""

import json

import pytest
from sqlalchemy import text

from bot.app import Core
from storage.engine import make_engine
from tests.bot.harness import Resident, running_bot, settings_for, text_of, together
from tests.bot.test_e2e_interview import ANNA, BUS
from tests.factories import make_callback_update, make_message_update
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e


def count(database_url: str, table: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
    finally:
        engine.dispose()


async def consented(api: FakeBotAPI, core: Core, user_id: int = ANNA) -> Resident:
    resident = Resident(api, user_id)
    await resident.says("/start")
    await resident.presses("consent:yes")
    return resident


async def test_media_and_edits_are_answered_and_change_nothing(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = await consented(api, core)
        await anna.says(BUS)
        for kind in ("sticker", "voice", "video", "document", "contact", "photo"):
            api.send_media(ANNA, kind)
            assert await anna.reads(1) == [
                together(text_of(core, "unsupported_media"), text_of(core, "ask_frequency"))
            ]
        api.send_text(ANNA, "Bussen kommer aldri!!", edited=True)
        assert await anna.reads(1) == [text_of(core, "edited_ignored")]
        api.press(ANNA, "frequency:daily")
        assert await anna.reads(1) == [text_of(core, "ask_severity")]


async def test_a_photo_with_a_caption_counts_as_text(api: FakeBotAPI, database_url: str) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = await consented(api, core)
        api.send_media(ANNA, "photo", caption="Hullet i veien ved Kallerud skole er enormt.")
        assert await anna.reads(1) == [text_of(core, "ask_frequency")]


async def test_groups_are_told_to_go_private_channels_are_ignored_and_nothing_is_stored(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        api.send_text(2003, "Nyheter fra kommunen", chat_type="channel")
        api.send_text(2001, "/start", chat_type="group")
        api.send_text(2002, "Veien er glatt", chat_type="supergroup", language_code="en")
        await api.wait_for(lambda a: len(a.calls("sendMessage")) >= 2)
        await api.wait_for(lambda a: a.pending_update_count == 0)
        assert [m.text for m in api.sent_to(-2001)] == [text_of(core, "private_only")]
        assert [m.text for m in api.sent_to(-1_000_000_002_002)] == [
            text_of(core, "private_only", "en")
        ]
        assert api.sent_to(-1_000_000_002_003) == []  # nothing posted into the channel
    assert count(database_url, "resident") == 0
    assert count(database_url, "problem") == 0


async def test_a_flood_gets_one_polite_slow_down_and_no_duplicates(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        await consented(api, core)
        for n in range(30):
            api.send_text(ANNA, f"Melding nummer {n} om at bussen ikke kommer i tide.")
        await api.wait_for(lambda a: a.pending_update_count == 0, timeout=20)
        await api.wait_for(
            lambda a: any(m.text == text_of(core, "slow_down") for m in a.sent_to(ANNA))
        )
        texts = [m.text for m in api.sent_to(ANNA)]
        assert texts.count(text_of(core, "slow_down")) == 1
    assert count(database_url, "resident") == 1
    assert count(database_url, "problem") == 0  # nothing was confirmed in the flood


async def test_old_and_forged_buttons_are_answered_with_the_current_question(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = await consented(api, core)
        await anna.says(BUS)
        await anna.says("ukentlig")  # typed: the frequency question keeps its buttons
        first_keyboard = api.sent_to(ANNA)[2].message_id  # the frequency question
        api.press(ANNA, "frequency:daily", message_id=first_keyboard)
        assert await anna.reads(1) == [
            together(text_of(core, "stale_button"), text_of(core, "ask_severity"))
        ]
        forged = make_callback_update(data="severity:99", user_id=ANNA, update_id=999_001)
        api.queue_update(forged)
        assert await anna.reads(1) == [text_of(core, "reask")]  # short, with the buttons
        assert "severity:3" in [data for _, data in api.sent_to(ANNA)[-1].buttons]
        asked = api.sent_to(ANNA)[-1]
        await anna.presses("severity:3")
        # The pressed question now reads as a record: the answer shown, no buttons left.
        await api.wait_for(lambda a: not a.sent_to(ANNA)[-2].buttons)
        answered = next(m for m in api.sent_to(ANNA) if m.message_id == asked.message_id)
        assert answered.text.endswith("→ 3") and not answered.buttons


async def test_mydata_sends_everything_and_delete_erases_it(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = await consented(api, core)
        await anna.says(BUS)
        for data in ("frequency:daily", "severity:2"):
            await anna.presses(data)
        await anna.presses("groups:senior", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons))
        await anna.presses("groups:done")
        await anna.presses("area:biri")
        await anna.presses("review:confirm")
        api.send_command(ANNA, "/mydata")
        document, heading, summary, question = await anna.reads(4)
        assert document == text_of(core, "mydata_caption")
        assert heading == text_of(core, "mydata_heading")
        assert BUS in summary and "G-1" in summary and "Biri" in summary
        assert "Norsk bokmål" in summary  # readable: no internal keys
        assert not any(word in summary for word in ("step", "draft", "pseudonym", "{"))
        assert question == text_of(core, "hear_back_ask")
        sent = api.sent_to(ANNA)[-4]
        assert sent.kind == "document" and sent.file is not None
        data = json.loads(sent.file)
        assert [p["text"] for p in data["problems"]] == [BUS]
        assert str(ANNA) not in sent.file.decode()
        await anna.says("/delete")
        assert await anna.presses("delete:yes") == [text_of(core, "deleted")]
    assert count(database_url, "problem") == 0
    assert count(database_url, "resident") == 0
    assert count(database_url, "conversation") == 0


async def test_a_button_pressed_in_a_group_is_answered_and_changes_nothing(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)):
        user = {"id": 2004, "is_bot": False, "first_name": "G", "language_code": "nb"}
        group = {"id": -2004, "type": "group", "title": "Nabolaget"}
        message = {"message_id": 7, "date": 1_700_000_000, "chat": group, "text": "?"}
        update = make_callback_update(
            data="consent:yes", user_id=2004, update_id=999_101, message=message
        )
        update["callback_query"]["from"] = user
        api.queue_update(update)
        await api.wait_for(lambda a: len(a.calls("answerCallbackQuery")) == 1)
        assert (
            api.calls("answerCallbackQuery")[0].params["callback_query_id"]
            == (update["callback_query"]["id"])
        )
    assert count(database_url, "resident") == 0


async def test_every_message_is_sent_without_a_link_preview(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)):
        await Resident(api, ANNA).says("/start")
    sent = api.calls("sendMessage")
    assert sent
    assert all(c.params.get("link_preview_options") == {"is_disabled": True} for c in sent)


async def test_declining_consent_leaves_nothing_of_the_resident(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = Resident(api, ANNA)
        await anna.says("/start")
        assert await anna.presses("consent:no") == [text_of(core, "consent_declined")]
        assert count(database_url, "resident") == 0
        assert count(database_url, "conversation") == 0
        await anna.says("/start")  # a fresh start asks for consent again
        assert anna.last_buttons() == ["consent:yes", "consent:no"]


async def test_a_forwarded_message_is_asked_about_before_it_is_taken(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = await consented(api, core)
        origin = {"type": "hidden_user", "sender_user_name": "Naboen", "date": 1_700_000_000}
        forwarded = make_message_update(
            update_id=999_201, user_id=ANNA, message_id=50, text=BUS, forward_origin=origin
        )
        api.queue_update(forwarded)
        assert await anna.reads(1) == [text_of(core, "forwarded_ask")]
        assert anna.last_buttons() == ["forwarded:yes", "forwarded:no"]
        assert await anna.presses("forwarded:yes") == [text_of(core, "ask_frequency")]
