"""Fixtures of the bot tests: a fake Telegram Bot API on 127.0.0.1 for each test."""

from collections.abc import AsyncIterator

import pytest

from tests.fakebotapi import FakeBotAPI, running_fake_api


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """Start a fake Bot API server for one test, and stop it afterwards."""
    async with running_fake_api() as fake:
        yield fake
