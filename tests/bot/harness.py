"""Run the real bot (aiogram, polling or webhook) against the fake Bot API on 127.0.0.1."""

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import Core, TelegramRunner, build_core
from bot.settings import Settings, load_settings
from flows.outputs import Reply
from flows.render import render, strip_tags
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


def settings_for(api: FakeBotAPI, database_url: str, **overrides: Any) -> Settings:
    """Settings pointing at the fake API and a test database, ignoring any local .env."""
    return load_settings(
        _env_file=None,
        bot_token=api.token,
        telegram_api_url=api.base_url,
        database_url=database_url,
        secret_key=SECRET,
        **overrides,
    )


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Core]:
    """Start the bot as ``innspill run`` does; stop it cleanly when the block ends."""
    core = build_core(settings, clock=clock or Clock())
    runner = TelegramRunner(core)
    task = asyncio.create_task(runner.run())
    try:
        yield core
    finally:
        await runner.stop()
        await asyncio.wait_for(task, timeout=10)
        core.engine.dispose()


def text_of(core: Core, key: str, language: str = "nb", **params: Any) -> str:
    """Return what a resident sees for a text key (markup removed)."""
    rendered = render(Reply(key, params), core.content, language, html.escape)
    return html.unescape(strip_tags(rendered.text))


async def next_messages(
    api: FakeBotAPI, chat_id: int, already: int, count: int, within: float = 10.0
) -> list[SentMessage]:
    """Wait for ``count`` new messages after the first ``already``, and return the new ones."""
    messages = await api.wait_for_messages(chat_id, already + count, timeout=within)
    return messages[already:]
