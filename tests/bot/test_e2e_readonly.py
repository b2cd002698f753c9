"""End to end: the SQLite database turns read-only under the running bot, then writable again."""

import asyncio
import logging
import time
from collections import Counter

import pytest

from tests.bot.harness import (
    Resident,
    all_replies_recorded,
    running_bot,
    settings_for,
    text_of,
    together,
)
from tests.bot.test_e2e_bad_input import consented
from tests.bot.test_e2e_transport import BUS, drafts
from tests.fakebotapi import FakeBotAPI
from tests.sqlite_faults import sqlite_read_only, write_error

pytestmark = pytest.mark.e2e
RESIDENTS = range(7_340_100_001, 7_340_100_009)  # more at once than the pool held before
READ_ONLY_WITHIN = 30.0  # seconds for every update to be refused twice: a deadline only
WRITABLE_WITHIN = 20.0  # seconds after the file is writable again: a deadline, not a measure


def unread(api: FakeBotAPI, resident: Resident) -> list[str]:
    """Return the texts sent to ``resident`` since they last read."""
    return [message.text for message in api.sent_to(resident.user_id)[resident.seen :]]


async def refused_twice(caplog: pytest.LogCaptureFixture, updates: int, within: float) -> None:
    """Wait until each of ``updates`` updates was refused by the database at least twice."""
    deadline = time.monotonic() + within
    while True:
        refused = Counter(
            record.getMessage().split()[1]
            for record in caplog.records
            if record.getMessage().endswith("not applied (OperationalError); will retry")
        )
        if len(refused) >= updates and min(refused.values()) >= 2:
            return
        assert time.monotonic() < deadline, f"refusals within {within}s: {refused}"
        await asyncio.sleep(0.05)


async def test_updates_sent_while_sqlite_is_read_only_are_applied_once_it_is_writable(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_bot(settings_for(api, sqlite_url)) as core:
        residents: list[Resident] = [await consented(api, core, user) for user in RESIDENTS]
        # A reply whose delivery is not yet recorded is sent again when its update is retried:
        # the file turns read-only only after every earlier answer is on record.
        await all_replies_recorded(sqlite_url)
        with sqlite_read_only(sqlite_url):
            assert write_error(sqlite_url) == "SQLITE_READONLY"  # what a remount gives
            for user in RESIDENTS:
                api.send_text(user, BUS)
            await refused_twice(caplog, len(RESIDENTS), READ_ONLY_WITHIN)
            assert [unread(api, r) for r in residents] == [[]] * 8  # nothing answered
            assert api.pending_update_count == 8  # Telegram still holds every update
        assert write_error(sqlite_url) == ""
        asked = text_of(core, "ask_frequency")
        # Each update is retried with backoff (0.5 s doubling): the next try comes within 2 s.
        await api.wait_for(
            lambda a: all(asked in unread(a, r) for r in residents), WRITABLE_WITHIN
        )
        await asyncio.sleep(2)  # let a repeat arrive: a fault right after a reply repeats it
        for resident in residents:
            answers = unread(api, resident)
            assert set(answers) == {asked} and len(answers) <= 2, answers
            resident.seen += len(answers)
        anna = residents[0]
        assert await anna.presses("frequency:daily") == [text_of(core, "ask_severity")]
        assert await anna.says("/help") == [
            together(text_of(core, "help"), text_of(core, "ask_severity"))
        ]
    assert drafts(sqlite_url).count(BUS) == 8
