"""End to end under a crowd: each next question arrives first, the marks once there is room."""

import asyncio

import pytest

from bot.telegram.delivery import REPLY_BURST, Pacer
from tests.bot.harness import (
    TEST_PER_CHAT,
    Resident,
    running_bot,
    settings_for,
    text_of,
    together,
)
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
ANNA = 1002
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."
AHEAD = 1.0  # seconds of Telegram's budget the crowd keeps taken


async def crowd(pacer: Pacer, served: asyncio.Event) -> None:
    """Other chats' answers keep the next ``AHEAD`` seconds of the budget taken until served."""
    chat = 9_100_000
    while not served.is_set():
        while pacer.reserve(chat, REPLY_BURST) < AHEAD:
            chat += 1
        chat += 1
        await asyncio.sleep(0.05)


def marked(api: FakeBotAPI, message_id: int) -> bool:
    """Return whether the bot edited a message of Anna's (its buttons gone)."""
    return any(
        r.params.get("message_id") in (message_id, str(message_id))
        for r in api.calls("editMessageText")
    )


async def test_under_a_crowd_the_next_question_comes_first_and_every_mark_later(
    api: FakeBotAPI, database_url: str
) -> None:
    pacer = Pacer(per_chat=TEST_PER_CHAT)
    served = asyncio.Event()
    async with running_bot(settings_for(api, database_url), pacer=pacer) as core:
        busy = asyncio.create_task(crowd(pacer, served))
        anna = Resident(api, ANNA)
        await anna.says("/start")
        consent = api.sent_to(ANNA)[0]  # the welcome and the consent question
        assert await anna.presses("consent:yes") == [text_of(core, "ask_problem")]
        assert not marked(api, consent.message_id)
        # Her keyboard is stale until its mark arrives: a press on it is forgiven, changes nothing.
        api.press(ANNA, "consent:yes", message_id=consent.message_id)
        stale = together(text_of(core, "stale_button"), text_of(core, "ask_problem"))
        assert await anna.reads(1) == [stale]
        assert await anna.says(BUS) == [text_of(core, "ask_frequency")]
        frequency = api.sent_to(ANNA)[-1]
        assert await anna.presses("frequency:daily") == [text_of(core, "ask_severity")]
        severity = api.sent_to(ANNA)[-1]
        await anna.presses("severity:4")
        groups = api.sent_to(ANNA)[-1]
        # A tick among several groups is the whole answer: it is not held back by the crowd.
        await anna.presses("groups:senior", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(ANNA)[-1].buttons))
        pressed = [consent, frequency, severity]
        assert not any(marked(api, m.message_id) for m in pressed)
        served.set()
        await busy
        await api.wait_for(lambda a: all(marked(a, m.message_id) for m in pressed))
        shown = {m.message_id: m for m in api.sent_to(ANNA)}
        assert all(shown[m.message_id].buttons == [] for m in pressed)
        assert "Ja" in shown[consent.message_id].text
        assert shown[groups.message_id].buttons  # still to be answered
        assert await anna.presses("groups:done") == [text_of(core, "ask_area")]
