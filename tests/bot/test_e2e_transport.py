"""End to end: faults of Telegram, of one chat or of one update never stop the bot or others."""

import asyncio
import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.app import Core
from bot.telegram.delivery import SEND_TIMEOUT
from flows.events import Event, EventKind
from storage import queries
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine, session_scope
from tests.bot.harness import (
    Resident,
    all_replies_recorded,
    running_bot,
    settings_for,
    text_of,
)
from tests.bot.test_e2e_bad_input import consented, count
from tests.bot.test_e2e_faults import database_down
from tests.factories import make_message_update
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
# Ids far from any update or message id, so a log line holding one is surely a leak.
ANNA, BOB = 7_340_012_345, 7_340_098_765
BUS = "Bussen til Hunndalen går bare én gang i timen om kvelden, så jeg må gå hjem."
CRASH = "Søppeldunkene i Kirkeby-gata blir aldri tømt, og ingen svarer på telefon."
HOOK_SECRET = "transport-webhook-secret"


def crash_on(core: Core, words: str) -> None:
    """Make the interview raise on ``words`` (typed, or a button's data): a bug that fails
    every attempt of one update."""
    advance = core.conversations.interview.advance

    def failing(state: Any, event: Event, facts: Any) -> Any:
        typed = event.kind is EventKind.TEXT and event.text == words
        if typed or (event.kind is EventKind.CHOICE and event.choice == words):
            raise RuntimeError(f"forced crash on {words!r}")
        return advance(state, event, facts)

    core.conversations.interview.advance = failing  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 502},  # a proxy's HTML error page
        {"status": 200, "body": "not json", "content_type": "text/plain"},
        {"status": 500, "body": '{"ok": false, "error_code": 500}', "content_type": "json"},
    ],
    ids=["html-502", "non-json-200", "json-500"],
)
async def test_a_broken_answer_to_getupdates_is_waited_out_and_nothing_is_lost(
    api: FakeBotAPI, sqlite_url: str, fault: dict[str, Any]
) -> None:
    if fault.get("content_type") == "json":
        fault["content_type"] = "application/json"
    async with running_bot(settings_for(api, sqlite_url)) as core:
        anna = await consented(api, core, ANNA)
        bob = await consented(api, core, BOB)
        api.answer_raw_next("getUpdates", times=3, **fault)
        await bob.says("/help")  # ends the open long poll: the next ones fail
        api.send_text(ANNA, BUS)
        assert await anna.reads(1, within=30) == [text_of(core, "ask_frequency")]
        assert [c.status for c in api.calls("getUpdates")].count(-1) == 3
    assert BUS in drafts(sqlite_url)


async def test_an_unreadable_update_is_skipped_and_logged_by_id_and_kind_only(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(settings_for(api, sqlite_url)) as core:
        anna = await consented(api, core, ANNA)
        # A message without the chat and date aiogram requires, as an older server may send.
        broken = {"update_id": 900_001, "message": {"message_id": 77, "text": CRASH}}
        api.queue_update(broken)
        api.send_text(ANNA, BUS)
        assert await anna.reads(1, within=15) == [text_of(core, "ask_frequency")]
        await api.wait_for(lambda a: a.pending_update_count == 0, timeout=15)
    assert "update 900001 (message) cannot be read; skipped" in caplog.text
    assert "Søppeldunkene" not in caplog.text


async def test_a_failing_update_of_one_chat_does_not_delay_another(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bob_answered = asyncio.Event()

    async def retry_sleep(seconds: float) -> None:
        await bob_answered.wait()  # her update stays between two attempts until Bob has answers
        await asyncio.sleep(seconds)

    async with running_bot(settings_for(api, sqlite_url), retry_sleep=retry_sleep) as core:
        anna = await consented(api, core, ANNA)
        bob = await consented(api, core, BOB)
        crash_on(core, CRASH)
        api.send_text(ANNA, CRASH)  # fails every attempt: retried with backoff, then parked
        await logged(caplog, "failed (RuntimeError), attempt 1", within=30)
        # Bob's answers come while hers waits to be tried again: had his updates queued behind
        # hers, none would come at all.
        assert await bob.says(BUS, within=30) == [text_of(core, "ask_frequency")]
        assert len(await bob.says("/help", within=30)) == 1
        assert len(api.sent_to(ANNA)) == anna.seen  # she has no answer yet
        bob_answered.set()
        # Anna is told once that her message was not taken in, and can go on.
        assert await anna.reads(1, within=30) == [text_of(core, "not_applied")]
        assert await anna.says(BUS) == [text_of(core, "ask_frequency")]
        assert api.pending_update_count == 0


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_parked_button_press_is_answered_so_the_button_stops_spinning(
    api: FakeBotAPI, sqlite_url: str, unused_tcp_port: int, mode: str
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    hook = {
        "webhook_url": "https://innspill.example.org/telegram",
        "webhook_secret": HOOK_SECRET,
        "webhook_port": unused_tcp_port,
    }
    settings = settings_for(api, sqlite_url, **(hook if mode == "webhook" else {}))
    async with running_bot(settings) as core:
        anna = Resident(api, ANNA)
        if mode == "webhook":
            await api.wait_for(lambda a: a.webhook is not None)
            start = make_message_update(text="/start", user_id=ANNA, update_id=42)
            assert await api.push_webhook(url, start, HOOK_SECRET) == 200
            await anna.reads(1)
        else:
            await anna.says("/start")
        crash_on(core, "consent:yes")
        press = api.press(ANNA, "consent:yes")
        if mode == "webhook":
            assert await api.push_webhook(url, press, HOOK_SECRET) == 200  # parked
        assert await anna.reads(1, within=30) == [text_of(core, "not_applied")]
        answered = [c.params["callback_query_id"] for c in api.calls("answerCallbackQuery")]
        assert answered == [press["callback_query"]["id"]]
        assert [c.status for c in api.calls("answerCallbackQuery")] == [200]


async def test_a_refused_answer_to_a_parked_press_is_logged_and_changes_nothing(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(settings_for(api, sqlite_url)) as core:
        anna = Resident(api, ANNA)
        await anna.says("/start")
        crash_on(core, "consent:yes")
        api.fail_next("answerCallbackQuery", status=400)
        api.press(ANNA, "consent:yes")
        assert await anna.reads(1, within=30) == [text_of(core, "not_applied")]
        assert await anna.presses("consent:no") == [text_of(core, "consent_declined")]
    refused = [r for r in caplog.records if "press not answered" in r.getMessage()]
    assert [(r.levelname, r.getMessage()) for r in refused] == [
        ("WARNING", "parked button press not answered (TelegramBadRequest)")
    ]


async def test_a_hung_send_to_one_chat_does_not_hold_up_another(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    async with running_bot(settings_for(api, sqlite_url)) as core:
        await consented(api, core, ANNA)
        bob = await consented(api, core, BOB)
        api.hang_sends_to(ANNA)  # Telegram takes her reply and never answers
        api.send_text(ANNA, BUS)
        await api.wait_for(lambda a: any(c.params.get("chat_id") == ANNA for c in _sends(a)))
        assert len(await bob.says("/help", within=SEND_TIMEOUT)) == 1
        # ...while her first attempt still hangs: the bot gives it up (and tries again) only
        # after SEND_TIMEOUT, so Bob did not wait for it.
        assert len([c for c in _sends(api) if c.params.get("chat_id") == ANNA]) == 1
        assert BUS in drafts(sqlite_url)  # her answer was stored all the same


def _sends(api: FakeBotAPI) -> list[Any]:
    return [c for c in api.calls("sendMessage") if c.status is None]


def drafts(database_url: str) -> list[str]:
    """Return the draft texts of every stored conversation."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            ids = session.connection().execute(text("SELECT resident_id FROM conversation"))
            states = [queries.load_state(session=session, resident_id=r[0]) for r in ids.all()]
    finally:
        engine.dispose()
    return [str((state or {}).get("draft", {}).get("text", "")) for state in states]


async def test_a_flooding_user_does_not_hold_up_other_residents(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    # Telegram's real pace of one message a second per chat, so a flood's replies take long.
    async with running_bot(settings_for(api, sqlite_url), per_chat=1.0) as core:
        anna = await consented(api, core, ANNA)
        bob = Resident(api, BOB)
        for n in range(60):
            api.send_text(ANNA, f"Melding nummer {n} om veien som er full av hull.")
        await asyncio.sleep(0.3)
        await bob.says("/start", within=20)
        # Her admitted messages' replies go out one a second: Bob's came before most of hers,
        # not after all of them.
        assert len(api.sent_to(ANNA)) - anna.seen < 10
        await api.wait_for(
            lambda a: any(m.text == text_of(core, "slow_down") for m in a.sent_to(ANNA)), 30
        )


async def test_the_bot_starts_while_telegram_refuses_and_sets_its_menu_later(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    api.fail_next("setMyCommands", status=502, times=7)  # more than one round of retries
    api.answer_raw_next("deleteWebhook", times=2)
    async with running_bot(settings_for(api, sqlite_url)) as core:
        anna = await consented(api, core, ANNA)
        assert await anna.says(BUS, within=20) == [text_of(core, "ask_frequency")]
        await api.wait_for(lambda a: bool(a.my_commands("nb")), timeout=60)


@contextmanager
def captured(level: int) -> Iterator[list[logging.LogRecord]]:
    """Collect every log record at ``level`` or above, from every logger."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(level), logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(min(old, level))
    try:
        yield records
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


async def test_the_log_of_a_run_with_crashes_holds_no_resident_text_name_or_id(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    with captured(logging.INFO) as records:
        async with running_bot(settings_for(api, sqlite_url)) as core:
            crash_on(core, CRASH)
            anna = await consented(api, core, ANNA)
            bob = await consented(api, core, BOB)
            api.answer_raw_next("getUpdates")
            await bob.says(BUS)
            api.send_text(ANNA, CRASH)
            assert await anna.reads(1, within=30) == [text_of(core, "not_applied")]
            broken = make_message_update(text=CRASH, user_id=BOB, update_id=900_002)
            del broken["message"]["chat"]
            api.queue_update(broken)
            await anna.says(BUS)
            await anna.presses("frequency:daily")
            api.forge_press(ANNA, "fu:¹:1:no")
            await anna.reads(1)
    lines = [record.getMessage() for record in records]
    assert any("parked" in line for line in lines)  # the crash did happen and was logged
    assert any("cannot be read" in line for line in lines)
    secrets = [BUS, CRASH, "Bussen", "Søppeldunkene", api.token, "fu:¹"]
    for user in (ANNA, BOB):
        secrets += [str(user), f"Resident{user}", f"resident{user}"]
    leaks = [(s, line) for line in lines for s in secrets if s in line]
    assert leaks == []


# --- webhook mode --------------------------------------------------------------------------


async def post(url: str, body: bytes | dict[str, Any]) -> int:
    """POST a body to the webhook as Telegram would, with the secret; return the status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
    async with aiohttp.ClientSession() as session:
        if isinstance(body, bytes):
            response = await session.post(url, data=body, headers=headers)
        else:
            response = await session.post(url, json=body, headers=headers)
        async with response:
            return response.status


async def test_webhook_answers_what_can_never_succeed_with_200_or_400(
    api: FakeBotAPI, sqlite_url: str, unused_tcp_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    settings = settings_for(
        api,
        sqlite_url,
        webhook_url="https://innspill.example.org/telegram",
        webhook_secret=HOOK_SECRET,
        webhook_port=unused_tcp_port,
    )
    async with running_bot(settings) as core:
        await api.wait_for(lambda a: a.webhook is not None)
        crash_on(core, CRASH)
        assert await post(url, f"<html>{CRASH}</html>".encode()) == 400
        assert await post(url, {"hello": CRASH}) == 400
        assert await post(url, {"update_id": 41, "message": {"text": CRASH}}) == 200
        start = make_message_update(text="/start", user_id=ANNA, update_id=42)
        assert await post(url, start) == 200
        await api.wait_for_messages(ANNA, 1)
        forged = api.forge_press(ANNA, "fu:²:1:no")
        assert await post(url, forged) == 200
        messages = await api.wait_for_messages(ANNA, 2)
        assert messages[1].text.startswith(text_of(core, "stale_button"))
        crash = make_message_update(text=CRASH, user_id=ANNA, update_id=44)
        assert await post(url, crash) == 200  # tried a few times, then parked
        messages = await api.wait_for_messages(ANNA, 3)
        assert messages[-1].text == text_of(core, "not_applied")
    assert count(sqlite_url, "problem") == 0
    assert CRASH not in caplog.text and "Søppeldunkene" not in caplog.text


@contextmanager
def sqlite_write_locked(database_url: str) -> Iterator[None]:
    """Hold SQLite's write lock from another connection, as another process would."""
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def logged(caplog: pytest.LogCaptureFixture, words: str, within: float) -> None:
    """Wait until a log record holding ``words`` was written."""
    deadline = time.monotonic() + within
    while not any(words in record.getMessage() for record in caplog.records):
        assert time.monotonic() < deadline, f"nothing logged with {words!r} in {within}s"
        await asyncio.sleep(0.05)


async def test_an_update_waits_out_a_locked_sqlite_database_and_the_bot_keeps_answering(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_bot(settings_for(api, sqlite_url)) as core:
        anna = await consented(api, core, ANNA)
        bob = await consented(api, core, BOB)
        await all_replies_recorded(sqlite_url)  # else the lock would catch a reply's record
        with sqlite_write_locked(sqlite_url):
            api.send_text(ANNA, BUS)
            # Past the busy timeout: the write gave up, to be tried again later.
            await logged(caplog, "(OperationalError); will retry", SQLITE_BUSY_TIMEOUT_MS / 100)
            assert len(api.sent_to(ANNA)) == anna.seen  # nothing applied, nothing answered
            assert api.pending_update_count == 1  # and Telegram still holds the update
        assert await anna.reads(1, within=60) == [text_of(core, "ask_frequency")]
        assert await bob.says(BUS) == [text_of(core, "ask_frequency")]
        assert await anna.presses("frequency:daily") == [text_of(core, "ask_severity")]
    assert drafts(sqlite_url).count(BUS) == 2


AREAS = ("sentrum", "hunndalen", "biri", "snertingdal", "redalen")
PROBLEMS = (
    "Bussen til Hunndalen går bare én gang i timen om kvelden.",
    "Det er ingen benker langs turveien ved Mjøsa for eldre.",
    "Fortauet i Storgata er islagt hver morgen hele vinteren.",
    "Legekontoret svarer ikke på telefon før etter en halvtime.",
    "Biblioteket stenger klokka fire, før vi kommer fra jobb.",
)
FORGED = ("fu:¹:1:no", "idle:confirm", "declined:review", "x" * 64, "🙂", "change:delete")


async def interview(api: FakeBotAPI, core: Core, user_id: int, number: int) -> float:
    """Go through a whole report at a human pace; return the slowest answer's wait."""
    resident, slowest = Resident(api, user_id), 0.0
    steps: list[tuple[str, int]] = [
        ("/start", 1),
        ("[consent:yes", 1),
        (PROBLEMS[number], 1),
        ("[frequency:daily", 1),
        ("[severity:4", 1),
        ("[groups:senior", 0),
        ("[groups:done", 1),
        (f"[area:{AREAS[number]}", 1),
        ("[review:confirm", 1),
    ]
    for step, expect in steps:
        await asyncio.sleep(0.5)  # thinking
        started = time.monotonic()
        if step.startswith("["):
            api.press(user_id, step[1:])
            await resident.reads(expect, within=40)
        else:
            await resident.says(step, expect, within=40)
        if expect == 0:  # the group ticked is an edit of the question
            await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(user_id)[-1].buttons))
        slowest = max(slowest, time.monotonic() - started)
    return slowest


async def test_forged_button_presses_do_not_slow_down_other_residents(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    async with running_bot(settings_for(api, sqlite_url)) as core:
        forger = await consented(api, core, 7_340_055_555)
        stop = asyncio.Event()

        async def forge() -> None:
            n = 0
            while not stop.is_set():
                api.forge_press(forger.user_id, FORGED[n % len(FORGED)])
                n += 1
                await asyncio.sleep(0.5)

        attack = asyncio.create_task(forge())
        try:
            ids = [7_340_060_000 + n for n in range(5)]
            waits = await asyncio.gather(
                *(interview(api, core, user, n) for n, user in enumerate(ids))
            )
        finally:
            stop.set()
            await attack
        assert max(waits) < 2.0, waits
    assert count(sqlite_url, "problem") == 5


@pytest.mark.postgres
async def test_webhook_answers_500_only_while_the_database_is_down(
    api: FakeBotAPI, postgres_url: str, unused_tcp_port: int
) -> None:
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    settings = settings_for(
        api,
        postgres_url,
        webhook_url="https://innspill.example.org/telegram",
        webhook_secret=HOOK_SECRET,
        webhook_port=unused_tcp_port,
    )
    async with running_bot(settings):
        await api.wait_for(lambda a: a.webhook is not None)
        start = make_message_update(text="/start", user_id=ANNA, update_id=50)
        with database_down(postgres_url):
            assert await post(url, start) == 500  # Telegram will deliver it again
        assert await post(url, start) == 200
        await api.wait_for_messages(ANNA, 1)
