"""End to end: after /delete no copy of the resident's words is left anywhere."""

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from bot.app import Core
from storage.engine import make_engine
from tests.bot.harness import Resident, running_bot, settings_for, text_of
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
ANNA, BO = 3001, 3002
WORD = "Zyxwarthol"  # a word only Anna ever writes
ANNAS = f"Bussen til Hunndalen kommer alltid for sent om kvelden, sjåføren {WORD} bare ler."
BOS = "Bussen til Hunndalen kommer alltid for sent om kvelden, jeg fryser på holdeplassen."


async def reported(api: FakeBotAPI, user_id: int, problem: str, expect: int) -> Resident:
    resident = Resident(api, user_id)
    await resident.says("/start")
    await resident.presses("consent:yes")
    await resident.says(problem)
    await resident.presses("frequency:daily")
    await resident.presses("severity:3")
    await resident.presses("groups:senior", expect=0)  # ticked in place
    await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(user_id)[-1].buttons))
    await resident.presses("groups:done")
    await resident.presses("area:biri")
    await resident.presses("review:confirm", expect=expect)
    return resident


def every_stored_value(database_url: str) -> str:
    """Return the text of every column of every row of every table, in one string."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            chunks = []
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608
                chunks += [f"{table}: {tuple(row)!r}" for row in rows]
            return "\n".join(chunks)
    finally:
        engine.dispose()


async def test_after_delete_no_table_and_no_database_file_holds_the_residents_words(
    api: FakeBotAPI, database_url: str
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        await reported(api, ANNA, ANNAS, expect=1)
        bo = await reported(api, BO, BOS, expect=1)  # saved, "others said", Anna's problem
        assert WORD in api.sent_to(BO)[-1].text
        anna = Resident(api, ANNA)
        anna.seen = len(api.sent_to(ANNA))
        await anna.says("/delete")
        assert await anna.presses("delete:yes") == [text_of(core, "deleted")]
        await bo.says("/help", expect=1)  # Bo's interview goes on without Anna's problem
        assert_nothing_left(core, database_url)
    assert WORD not in every_stored_value(database_url)
    assert "Bussen til Hunndalen" in every_stored_value(database_url)  # Bo's report stays


def assert_nothing_left(core: Core, database_url: str) -> None:
    stored = every_stored_value(database_url)
    assert WORD not in stored and WORD.lower() not in stored
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
        assert path in files
        for file in files:  # the database, its write-ahead log and shared memory
            assert WORD.encode() not in file.read_bytes(), file.name
