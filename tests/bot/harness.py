"""Run the real bot (aiogram, polling or webhook) against the fake Bot API on 127.0.0.1."""

import asyncio
import contextlib
import html
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bot.app import Core, TelegramRunner, build_core
from bot.content_files import default_content_path, load_content
from bot.settings import Settings, load_settings
from bot.telegram.delivery import Pacer
from flows.outputs import Nested, Reply
from flows.records import ProblemRecord
from flows.render import render
from flows.texts import strip_tags
from storage import queries
from storage.engine import make_engine, session_scope
from tests.fakebotapi import FakeBotAPI, SentMessage

SECRET = "test-secret-key-0123456789"


class Clock:
    """A clock the test moves by hand; timezone-aware UTC."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_for(api: FakeBotAPI, database_url: str, **overrides: Any) -> Settings:
    """Settings pointing at the fake API and a test database, ignoring any local .env."""
    return load_settings(
        _env_file=None,
        bot_token=api.token,
        telegram_api_url=api.base_url,
        database_url=database_url,
        secret_key=SECRET,
        **{"web_port": 0, **overrides},  # a free port: tests run side by side
    )


_NAMED = re.compile(r"(?:names\.)?([a-z]{2}) = ")  # a name in one language
_SECTION = re.compile(r"\[+([a-z_.]+)\]+")


def interview_file(directory: Path, languages: tuple[str, ...] = ("nb",)) -> Path:
    """Write the packaged interview file offering only ``languages`` into ``directory``.

    A bot process loads the dictionaries of every offered language when it starts (3 of its
    5 s of CPU are Polish's): a test that starts processes but is not about languages offers
    one. The file is the packaged one without the other languages' names and texts, checked.
    """
    kept, section = [], ""
    for line in Path(default_content_path()).read_text(encoding="utf-8").splitlines(True):
        if found := _SECTION.fullmatch(line.strip()):
            section = found.group(1)
        if section.startswith("texts.") and section.removeprefix("texts.") not in languages:
            continue
        if line.startswith("languages = "):
            line = f"languages = {json.dumps(list(languages))}\n"
        named = _NAMED.match(line)
        if named and not section.startswith("texts.") and named.group(1) not in languages:
            continue
        kept.append(line)
    path = directory / "interview.toml"
    path.write_text("".join(kept), encoding="utf-8")
    assert load_content(path).languages == languages
    return path


# Conversations in tests run fifty times faster than Telegram lets one chat be written to (the
# pace only spaces messages, so it changes no order); the real limits are checked on their own
# in tests/bot/test_digests_e2e.py.
TEST_PER_CHAT = 0.02


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    clock: Clock | None = None,
    *,
    digest_every: float = 60.0,
    per_chat: float = TEST_PER_CHAT,
    pacer: Pacer | None = None,
    retry_sleep: Callable[[float], Awaitable[None]] | None = None,
) -> AsyncIterator[Core]:
    """Start the bot as ``innspill run`` does; stop it cleanly when the block ends.

    ``digest_every`` is how often the scheduler looks for due digests, ``per_chat`` the least
    time between two messages to one chat (seconds of real time); or the whole ``pacer``.
    ``retry_sleep`` replaces the wait between two attempts at a failing update.
    """
    core = build_core(settings, clock=clock or Clock())
    pacer = pacer or Pacer(per_chat=per_chat)
    runner = TelegramRunner(core, digest_every=digest_every, pacer=pacer)
    if retry_sleep is not None:
        runner.applier.sleep = retry_sleep
    task = asyncio.create_task(runner.run())
    try:
        yield core
    finally:
        await runner.stop()
        await asyncio.wait_for(task, timeout=10)
        core.db.engine.dispose()


def text_of(core: Core, key: str, language: str = "nb", **params: Any) -> str:
    """Return what a resident sees for a text key (markup removed)."""
    rendered = render(Reply(key, params), core.content, language, html.escape)
    return html.unescape(strip_tags(rendered.text))


def together(*texts: str) -> str:
    """Return texts said in one message as a resident sees it: a paragraph each."""
    return "\n\n".join(texts)


def saved_text(core: Core, problem_id: int, language: str = "nb") -> str:
    """Return the thanks after saving: the reference, what happens next, where to turn."""
    params = {"next": Nested(Reply("next_steps")), "urgent": Nested(Reply("urgent"))}
    reference = f"{core.content.reference_prefix}-{problem_id}"
    return text_of(core, "saved", language, reference=reference, **params)


def stored_problems(database_url: str) -> list[ProblemRecord]:
    """Return every stored problem, read through a connection of its own."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return queries.problem_records(session=session)
    finally:
        engine.dispose()


async def all_replies_recorded(database_url: str, within: float = 10.0) -> None:
    """Wait until the bot has recorded every answer it sent (it does so just after sending).

    A fault between a reply and its record makes Telegram's update come again and the reply
    repeat, as it should: a test that causes a fault on purpose waits for this first.
    """
    engine = create_engine(database_url)  # no write lock taken, unlike make_engine's SQLite
    deadline = time.monotonic() + within
    try:
        while True:
            with engine.connect() as conn:
                unrecorded = conn.execute(
                    text("SELECT count(*) FROM processed_update WHERE replied_at IS NULL")
                ).scalar_one()
            if unrecorded == 0:
                return
            assert time.monotonic() < deadline, f"{unrecorded} answers not recorded in {within}s"
            await asyncio.sleep(0.05)
    finally:
        engine.dispose()


async def next_messages(
    api: FakeBotAPI, chat_id: int, already: int, count: int, within: float = 10.0
) -> list[SentMessage]:
    """Wait for ``count`` new messages after the first ``already``, and return the new ones."""
    messages = await api.wait_for_messages(chat_id, already + count, timeout=within)
    return messages[already:]


class Person:
    """Someone in Telegram: sends messages and reads what the bot sent to their chat."""

    def __init__(self, api: FakeBotAPI, user_id: int, language_code: str = "nb") -> None:
        self.api, self.user_id, self.language_code = api, user_id, language_code
        self.seen = 0

    async def says(self, text: str, expect: int = 1, within: float = 10.0) -> list[SentMessage]:
        """Send ``text`` (a command if it starts with "/") and return the next replies."""
        send = self.api.send_command if text.startswith("/") else self.api.send_text
        send(self.user_id, text, language_code=self.language_code)
        return await self.reads(expect, within)

    async def reads(self, count: int, within: float = 10.0) -> list[SentMessage]:
        """Wait for ``count`` more messages and return them."""
        new = await next_messages(self.api, self.user_id, self.seen, count, within)
        self.seen += count
        return new


class Resident:
    """A resident in Telegram: sends, presses, and reads the texts the bot answered."""

    def __init__(self, api: FakeBotAPI, user_id: int) -> None:
        self.api, self.user_id = api, user_id
        self.person = Person(api, user_id)

    @property
    def seen(self) -> int:
        """How many messages to this chat were read so far."""
        return self.person.seen

    @seen.setter
    def seen(self, count: int) -> None:
        self.person.seen = count

    async def says(self, text: str, expect: int = 1, within: float = 10.0) -> list[str]:
        return [message.text for message in await self.person.says(text, expect, within)]

    async def presses(self, data: str, expect: int = 1) -> list[str]:
        self.api.press(self.user_id, data)
        return await self.reads(expect)

    async def reads(self, count: int, within: float = 10.0) -> list[str]:
        return [message.text for message in await self.person.reads(count, within)]

    def last_buttons(self) -> list[str]:
        return [data or "" for _, data in self.api.sent_to(self.user_id)[-1].buttons]
