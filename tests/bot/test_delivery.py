"""Delivery: a send Telegram accepts and never answers is given up after its timeout."""

import time

import pytest

from bot.telegram.delivery import Delivery, DeliveryFailed, Pacer
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
