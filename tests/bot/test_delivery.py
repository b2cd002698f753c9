"""Delivery: pacing within Telegram's limits; a hung send is given up after its timeout."""

import bisect
import random
import time

import pytest

from bot.telegram.delivery import REPLY_BURST, Delivery, DeliveryFailed, Pacer
from flows.render import Rendered
from tests.fakebotapi import FakeBotAPI

KARI = 7_340_011_111


async def test_a_hung_send_is_given_up_after_its_timeout_and_retried(api: FakeBotAPI) -> None:
    bot = api.make_bot()
    delivery = Delivery(bot, attempts=2, backoff=0.1, timeout=0.3, pacer=Pacer(per_chat=0.01))
    api.hang_sends_to(KARI)
    started = time.monotonic()
    try:
        with pytest.raises(DeliveryFailed):
            await delivery.send(KARI, Rendered("Hei", ()))
    finally:
        await bot.session.close()
    assert time.monotonic() - started < 5  # not the session's default minute
    assert len(api.calls("sendMessage")) == 2


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1_000.0123) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_an_answer_goes_at_once_when_telegram_has_room() -> None:
    pacer = Pacer(monotonic=Clock())
    assert pacer.reserve(KARI, REPLY_BURST) == 0.0  # not held for the next slot's start


def test_no_second_holds_more_than_the_pacer_allows_marks_included() -> None:
    clock = Clock()
    pacer = Pacer(monotonic=clock)
    rng = random.Random(7)
    sent: list[float] = []
    for _ in range(3_000):  # answers arriving at about 40 a second, over Telegram's 30
        clock.now += rng.expovariate(40)
        sent.append(clock.now + pacer.reserve(rng.randrange(300), REPLY_BURST))
        if rng.random() < 0.5 and pacer.spare(rng.randrange(300), REPLY_BURST):
            sent.append(clock.now)
    sent.sort()
    busiest = max(bisect.bisect_left(sent, at + 1.0) - index for index, at in enumerate(sent))
    assert busiest == pacer.per_second  # full, never over


def test_a_chat_waits_a_full_second_from_the_answer_to_a_send_that_left_late() -> None:
    clock = Clock()
    pacer = Pacer(monotonic=clock)
    assert pacer.reserve(KARI) == 0.0
    clock.now += 0.25  # the loop was busy: the send reached Telegram and was answered late
    pacer.answered(KARI)
    clock.now += 0.05
    # Planned a second after the first send's slot it would go 0.7 s from now, 0.75 s after
    # Telegram saw the first; from the answer, a full second after it.
    assert pacer.reserve(KARI) == pytest.approx(0.95)
    pacer.answered(KARI)  # an answer on time changes nothing for a chat already waiting
    assert pacer.reserve(KARI) == pytest.approx(1.95)
