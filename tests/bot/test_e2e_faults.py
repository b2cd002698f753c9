"""End to end with faults: Telegram errors, the database going away, the process killed."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage import queries
from storage.engine import make_engine, session_scope
from tests.bot.harness import (
    SECRET,
    all_replies_recorded,
    interview_file,
    running_bot,
    settings_for,
    text_of,
)
from tests.bot.test_e2e_bad_input import consented, count
from tests.bot.test_e2e_interview import ANNA, BUS
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e


def draft_text(database_url: str) -> str:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            [state] = [s for s in _states(session)]
            return str(state["draft"]["text"])
    finally:
        engine.dispose()


def _states(session) -> list[dict]:
    rows = session.connection().execute(text("SELECT resident_id FROM conversation")).all()
    return [queries.load_state(session=session, resident_id=row[0]) or {} for row in rows]


@pytest.mark.parametrize("status", [429, 502])
async def test_telegram_errors_while_replying_lose_nothing(
    api: FakeBotAPI, database_url: str, status: int
) -> None:
    async with running_bot(settings_for(api, database_url)) as core:
        anna = await consented(api, core)
        api.fail_next("sendMessage", status=status, retry_after=1, times=2)
        assert await anna.says(BUS) == [text_of(core, "ask_frequency")]
        failed = [c for c in api.calls("sendMessage") if c.status == status]
        assert len(failed) == 2
        assert draft_text(database_url) == BUS  # saved before the first attempt


@contextmanager
def database_down(database_url: str) -> Iterator[None]:
    """Refuse every connection to the test database, and end the open ones."""
    name = make_url(database_url).database
    admin = create_engine(
        make_url(database_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


@pytest.mark.postgres
async def test_an_update_waits_while_the_database_is_down(
    api: FakeBotAPI, postgres_url: str
) -> None:
    async with running_bot(settings_for(api, postgres_url)) as core:
        anna = await consented(api, core)
        await all_replies_recorded(postgres_url)  # else going down would repeat a reply
        with database_down(postgres_url):
            api.send_text(ANNA, BUS)
            await asyncio.sleep(1.5)
            assert len(api.sent_to(ANNA)) == anna.seen  # no reply while it is down
            assert api.pending_update_count == 1  # and Telegram still holds the update
        assert await anna.reads(1, within=40) == [text_of(core, "ask_frequency")]
    assert draft_text(postgres_url) == BUS


def start_bot(
    api: FakeBotAPI, database_url: str, cwd: Path, interview: Path
) -> subprocess.Popen[bytes]:
    """Run `innspill run` on the ``interview`` file as its own process, as an operator would."""
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "LOG_LEVEL": "WARNING",
        "INTERVIEW_FILE": str(interview),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# A bot process starting on a busy machine (other test workers, other people's runs) may take
# long: it needs about 10 s of CPU on these 2-core machines (with one offered language), and at
# a load of 10 a process gets a fifth of a core. A deadline only: a bot that starts sooner is not
# waited for.
START_WITHIN = 240
PROCESS_TIMEOUT = 600  # pytest-timeout for a test that waits for bot processes to start


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


# Two bot processes one after the other: the two databases' runs go on one xdist worker.
@pytest.mark.xdist_group("killed-bot")
@pytest.mark.timeout(PROCESS_TIMEOUT)
async def test_a_killed_bot_resumes_the_interview_without_duplicates(
    api: FakeBotAPI, database_url: str, tmp_path: Path
) -> None:
    # One offered language: the processes load one language's dictionaries, not five.
    interview = interview_file(tmp_path)
    async with running_bot(settings_for(api, database_url, interview_file=interview)) as core:
        anna = await consented(api, core)  # the core also gives us the texts
    bot = start_bot(api, database_url, tmp_path, interview)
    try:
        assert await anna.says(BUS, within=START_WITHIN) == [text_of(core, "ask_frequency")]
        api.press(ANNA, "frequency:daily")
        kill(bot)  # perhaps before, perhaps after it handled the press
        bot = start_bot(api, database_url, tmp_path, interview)
        await api.wait_for(lambda a: a.pending_update_count == 0, timeout=START_WITHIN)
        await api.wait_for_messages(ANNA, anna.seen + 1, timeout=START_WITHIN)
        await api.wait_for(
            lambda a: a.sent_to(ANNA)[-1].text == text_of(core, "ask_severity"),
            timeout=START_WITHIN,
        )
        await asyncio.sleep(0.5)  # let any repeat arrive
        # An answer that may not have reached her is repeated once (the question she was on
        # then), never applied twice: she goes on where she was.
        after = [m.text for m in api.sent_to(ANNA)[anna.seen :]]
        repeats = {text_of(core, "ask_frequency"), text_of(core, "ask_severity")}
        assert set(after) <= repeats and len(after) <= 3, after
        assert after[-1] == text_of(core, "ask_severity")
        anna.seen += len(after)
        assert await anna.presses("severity:5") == [text_of(core, "ask_groups")]
    finally:
        kill(bot)
    assert count(database_url, "resident") == 1
    assert draft_text(database_url) == BUS
