"""Fixtures of the bot tests: a fake Telegram Bot API on 127.0.0.1, a migrated database."""

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy.engine import Engine

from storage.engine import make_engine, upgrade_database
from tests.fakebotapi import FakeBotAPI, running_fake_api


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """Start a fake Bot API server for one test, and stop it afterwards."""
    async with running_fake_api() as fake:
        yield fake


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Open a database on every configured backend, migrated to the newest schema."""
    made = make_engine(database_url)
    upgrade_database(made)
    yield made
    made.dispose()
