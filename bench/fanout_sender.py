"""The sending side of benchmark 4, run as its own process by bench/fanout.py.

It sends through the bot's real ``Delivery`` with its real ``Pacer`` (one for every send, as in
``innspill run``) to the fake Bot API given on the command line, either

- ``messages``: one message with two buttons (a follow-up question) to each of ``count``
  chats, as many at a time as the digest outbox sends at once; or
- ``digests``: the real ``DigestOutbox`` (the one ``Outbox`` with the digests' ``Policy``) on a
  database with ``count`` subscribed staff members, looked at again and again (as the ticker
  would, without its minute between looks) until every digest owed is sent.

It prints one line of JSON: what it sent, how long it took and how many 429s it waited out.
"""

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bench.dataset import END, grow
from bench.fanout import FIRST_CHAT, Sent
from bot.content_files import load_content, load_staff_texts
from bot.jobs.digests import POLICY, DigestOutbox
from bot.services.digests import DigestBuilder
from bot.telegram.delivery import PER_SECOND, Delivery, DeliveryFailed, Pacer
from flows.periods import week_period
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database

ZONE = ZoneInfo("Europe/Oslo")
DIGEST_TIME = clock_time(8, 0)  # DIGEST_TIME's default: Mondays at 08:00 in Oslo
MAX_LOOKS = 1_000
MONDAY_TEN = END + timedelta(hours=3)  # Monday 10:00 in Oslo, after DIGEST_TIME
FOLLOW_UP = (
    "<b>Innspill</b>: For tre uker siden fortalte du oss om et problem. Er det fortsatt et "
    "problem for deg?"
)


class _FloodCount(logging.Handler):
    """Count the 429s ``Delivery`` waits out (it logs each one)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "flood control" in record.msg:
            self.count += 1


def _follow_up_keyboard(chat: int) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(text="Ja, fortsatt", callback_data=f"fu:{chat}:1:yes"),
        InlineKeyboardButton(text="Nei, løst", callback_data=f"fu:{chat}:1:no"),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def send_messages(delivery: Delivery, count: int, concurrency: int) -> tuple[int, int, int]:
    """Send one follow-up to each of ``count`` chats; return (owed, sent, looks)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(chat: int) -> bool:
        async with gate:
            try:
                await delivery.send_text(chat, FOLLOW_UP, _follow_up_keyboard(chat))
            except DeliveryFailed:
                return False
            return True

    chats = range(FIRST_CHAT, FIRST_CHAT + count)
    return count, sum(await asyncio.gather(*(one(chat) for chat in chats))), 1


def subscribe_staff(database_url: str, count: int) -> None:
    """Add ``count`` staff members with a chat each, subscribed to the weekly digest."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    joined = END - timedelta(days=1)
    with session_scope(engine) as session:
        for chat in range(FIRST_CHAT, FIRST_CHAT + count):
            staff = queries.add_staff(session=session, telegram_id=chat, role="staff", now=joined)
            assert staff.id is not None
            queries.note_staff_chat(
                session=session, staff_id=staff.id, chat_id=chat, language="nb"
            )
            queries.subscribe(session=session, staff_id=staff.id, frequency="weekly", now=joined)
    engine.dispose()


def moving_clock(start: datetime) -> Callable[[], datetime]:
    """Return a clock that starts at ``start`` and runs in real time."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def _builder(database_url: str) -> DigestBuilder:
    engine = make_engine(database_url)
    return DigestBuilder(
        db=Database(engine), content=load_content(), texts=load_staff_texts(), zone=ZONE
    )


def digest_parts(database_url: str) -> int:
    """Return the messages of each week's digest (built here, before the clock starts)."""
    builder = _builder(database_url)
    parts = builder.package(week_period(MONDAY_TEN, ZONE), "nb").parts
    builder.db.engine.dispose()
    return parts


async def send_digests(
    delivery: Delivery, database_url: str, count: int, concurrency: int | None
) -> tuple[int, int, int]:
    """Let the outbox send ``count`` weekly digests; return owed, sent and looks."""
    builder = _builder(database_url)
    clock = moving_clock(MONDAY_TEN)
    policy = replace(POLICY, concurrency=concurrency) if concurrency else POLICY  # a what-if
    outbox = DigestOutbox(
        builder=builder, delivery=delivery, clock=clock, digest_time=DIGEST_TIME, policy=policy
    )
    owed = await asyncio.to_thread(outbox.record_due, clock())
    sent = looks = 0
    while sent < owed and looks < MAX_LOOKS:
        delivered = await outbox.run()
        looks += 1
        sent += delivered
        if not delivered:
            break
    builder.db.engine.dispose()
    return owed, sent, looks


async def run(args: argparse.Namespace, parts: int = 1) -> Sent:
    """Send what ``args`` asks for and measure it."""
    flood = _FloodCount()
    logging.getLogger("bot.telegram.delivery").addHandler(flood)
    api = TelegramAPIServer.from_base(args.api_url)
    bot = Bot(args.token, session=AiohttpSession(api=api))
    delivery = Delivery(bot, pacer=Pacer(per_second=args.per_second))
    try:
        cpu, started = time.process_time(), time.perf_counter()
        if args.mode == "messages":
            concurrency = args.concurrency or POLICY.concurrency
            owed, sent, looks = await send_messages(delivery, args.count, concurrency)
        else:
            owed, sent, looks = await send_digests(
                delivery, args.database, args.count, args.concurrency
            )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await bot.session.close()
    return Sent(owed, sent, parts, wall, cpu, flood.count, looks)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, send, print the JSON result."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_sender")
    parser.add_argument("mode", choices=("messages", "digests"))
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database", default="", help="a fresh SQLite URL (digests)")
    parser.add_argument("--problems", type=int, default=0, help="problems stored (digests)")
    parser.add_argument("--concurrency", type=int, help="what-if: digests sent at once")
    parser.add_argument("--per-second", type=int, default=PER_SECOND, help="what-if: the cap")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    parts = 1
    if args.mode == "digests":  # before the clock starts
        grow(args.database, args.problems)
        subscribe_staff(args.database, args.count)
        parts = digest_parts(args.database)
    sys.stdout.write(json.dumps(asdict(asyncio.run(run(args, parts)))) + "\n")


if __name__ == "__main__":
    main()
