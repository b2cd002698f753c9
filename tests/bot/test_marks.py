"""Marks: under a crowd the next question goes first; every mark still arrives, newest text.

The pacer's clock is injected: while it stands still, the other chats' answers hold every slot
of the next seconds, so a mark has no spare slot however long the test waits.
"""

import asyncio

from bot.telegram.delivery import REPLY_BURST, Delivery, Pacer
from flows.render import Button, Rendered
from tests.fakebotapi import FakeBotAPI, SentMessage

KARI = 7_340_022_222
CROWD = range(9_000_000, 9_000_058)  # 58 other chats: two seconds of Telegram's budget
HOW_OFTEN = Rendered("Hvor ofte skjer det?", ((Button("Hver uke", "frequency:weekly"),),))
HOW_HARD = Rendered("Hvor mye plager det deg?", ((Button("4", "severity:4"),),))


class Clock:
    """The pacer's clock: it moves only when the pacer sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def crowded(clock: Clock) -> Pacer:
    """Return a pacer whose next two seconds are taken by other chats' answers."""
    pacer = Pacer(monotonic=clock, sleep=clock.sleep)
    for chat in CROWD:
        pacer.reserve(chat, REPLY_BURST)
    return pacer


def edits(api: FakeBotAPI) -> list[tuple[int, str]]:
    """Return each editMessageText the fake received, as (message id, text), in order."""
    return [(r.params["message_id"], r.params["text"]) for r in api.calls("editMessageText")]


async def question(api: FakeBotAPI, delivery: Delivery, reply: Rendered) -> SentMessage:
    """Send a question to Kari (before the crowd) and return it as she sees it."""
    await delivery.send(KARI, reply, burst=REPLY_BURST)
    return api.sent_to(KARI)[-1]


async def test_the_next_question_goes_first_and_the_mark_when_the_crowd_is_gone(
    api: FakeBotAPI,
) -> None:
    clock = Clock()
    bot = api.make_bot()
    delivery = Delivery(bot, pacer=Pacer(monotonic=clock, sleep=clock.sleep))
    try:
        pressed = await question(api, delivery, HOW_OFTEN)
        for chat in CROWD:
            delivery.pacer.reserve(chat, REPLY_BURST)
        delivery.mark(KARI, pressed.message_id, Rendered("Hvor ofte? <b>Hver uke</b>"))
        await delivery.send(KARI, HOW_HARD, burst=REPLY_BURST)  # waits its turn in the crowd
        await asyncio.sleep(0.3)  # the mark's lane looks several times: no slot is spare
        assert api.sent_to(KARI)[-1].text == HOW_HARD.text
        assert edits(api) == [] and delivery.marks.waiting == 1
        assert api.sent_to(KARI)[0].buttons == [("Hver uke", "frequency:weekly")]  # still shown
        clock.now += 3  # the crowd is served
        await api.wait_for(lambda a: len(edits(a)) == 1)
        assert api.sent_to(KARI)[0].text == "Hvor ofte? Hver uke"
        assert api.sent_to(KARI)[0].buttons == []
    finally:
        await bot.session.close()


async def test_marks_of_one_message_become_one_with_the_newest_text(api: FakeBotAPI) -> None:
    clock = Clock()
    bot = api.make_bot()
    delivery = Delivery(bot, pacer=Pacer(monotonic=clock, sleep=clock.sleep))
    try:
        first = await question(api, delivery, HOW_OFTEN)
        second = await question(api, delivery, HOW_HARD)
        delivery.pacer = crowded(clock)  # (the marks share the delivery's pacer)
        delivery.marks.pacer = delivery.pacer
        delivery.mark(KARI, first.message_id, Rendered("Hvor ofte? Hver dag"))
        delivery.mark(KARI, second.message_id, Rendered("Hvor mye? 2"))
        delivery.mark(KARI, first.message_id, Rendered("Hvor ofte? Hver uke"))
        # An edit with normal priority is newer than the mark waiting for its message.
        await delivery.replace(KARI, second.message_id, Rendered("Hvor mye? 4", edit=True))
        assert edits(api) == [(second.message_id, "Hvor mye? 4")]
        clock.now += 5
        await api.wait_for(lambda a: len(edits(a)) == 2)
        await asyncio.sleep(0.1)  # nothing else follows
        assert edits(api)[1] == (first.message_id, "Hvor ofte? Hver uke")
        assert [m.text for m in api.sent_to(KARI)] == ["Hvor ofte? Hver uke", "Hvor mye? 4"]
    finally:
        await bot.session.close()


async def test_no_mark_is_lost_to_a_long_queue_or_to_shutdown(api: FakeBotAPI) -> None:
    clock = Clock()
    bot = api.make_bot()
    delivery = Delivery(bot, pacer=Pacer(monotonic=clock, sleep=clock.sleep))
    try:
        asked = [await question(api, delivery, HOW_OFTEN) for _ in range(3)]
        delivery.pacer = delivery.marks.pacer = crowded(clock)
        delivery.marks.limit = 2
        for number, message in enumerate(asked):
            delivery.mark(KARI, message.message_id, Rendered(f"Svar {number}"))
        # Three waiting marks are one too many: the oldest takes its turn like any message.
        await api.wait_for(lambda a: len(edits(a)) == 1)
        assert edits(api) == [(asked[0].message_id, "Svar 0")]
        assert delivery.marks.waiting == 2
        await delivery.marks.flush()  # shutting down: the rest go out, crowd or not
        assert sorted(edits(api)) == [(m.message_id, f"Svar {n}") for n, m in enumerate(asked)]
        assert delivery.marks.waiting == 0
    finally:
        await bot.session.close()
