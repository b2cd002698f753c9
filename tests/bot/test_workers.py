"""Several webhook workers on PostgreSQL: every update once, and the scheduler moves on a kill."""

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from bot.settings import SettingsError, load_settings
from bot.telegram.workers import check_workers
from tests.bot.harness import SECRET
from tests.bot.test_e2e_faults import START_WITHIN
from tests.fakebotapi import FakeBotAPI

# Processes of their own: one xdist worker runs these one after another (see tests/conftest.py).
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("processes")]
HOOK_SECRET = "workers-webhook-secret"
PROBLEM = "Gatelyset utenfor barnehagen i Nordbyen har vært mørkt i tre uker."


def children(parent: int) -> set[int]:
    """Return the pids of the processes whose parent is ``parent``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.add(int(entry.name))
    return found


def leader(database_url: str) -> int | None:
    """Return the pid of the worker holding the scheduler's advisory lock, if any."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            name = conn.execute(
                text(
                    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
                    "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                    "AND a.datname = current_database()"
                )
            ).scalar()
    finally:
        engine.dispose()
    return int(name.split(":")[1]) if name and name.startswith("innspill:") else None


async def push(api: FakeBotAPI, url: str, update: dict[str, Any]) -> None:
    """Deliver an update like Telegram: again and again until a worker answers 2xx."""
    for _ in range(200):
        try:
            if await api.push_webhook(url, update, HOOK_SECRET) == 200:
                return
        except (TimeoutError, aiohttp.ClientError):
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"update {update['update_id']} was never accepted")


async def resident(api: FakeBotAPI, url: str, user_id: int) -> None:
    await push(api, url, api.send_command(user_id, "/start"))
    await push(api, url, api.press(user_id, "consent:yes"))
    await push(api, url, api.send_text(user_id, PROBLEM))


async def wait_until(predicate: Any, within: float) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


def start_workers(env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """Run `innspill run --workers 2` as an operator would."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", "--workers", "2"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.postgres
async def test_two_workers_apply_every_update_once_and_the_scheduler_survives_a_kill(
    api: FakeBotAPI, postgres_url: str, unused_tcp_port: int, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": postgres_url,
        "SECRET_KEY": SECRET,
        "WEBHOOK_URL": "https://innspill.example.org/telegram",
        "WEBHOOK_SECRET": HOOK_SECRET,
        "WEBHOOK_PORT": str(unused_tcp_port),
        "WEB_PORT": "0",  # health and metrics on any free port: tests run side by side
        "SCHEDULER_SECONDS": "0.5",
        "LOG_LEVEL": "WARNING",
    }
    url = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    parent = start_workers(env, tmp_path)
    try:
        await api.wait_for(lambda a: len(a.calls("setWebhook")) >= 2, timeout=START_WITHIN)
        await wait_until(lambda: leader(postgres_url) is not None, within=30)
        first = leader(postgres_url)
        assert first in children(parent.pid)
        users = range(3001, 3013)
        tasks = [asyncio.create_task(resident(api, url, u)) for u in users]
        await asyncio.sleep(0.3)
        os.kill(first, signal.SIGKILL)  # the scheduler's worker dies mid-run
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=90)
        await wait_until(lambda: leader(postgres_url) not in (None, first), within=30)
        assert leader(postgres_url) in children(parent.pid)
    finally:
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=30)
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        residents = conn.execute(text("SELECT count(*) FROM resident")).scalar_one()
        states = conn.execute(text("SELECT state FROM conversation")).scalars().all()
        claimed = conn.execute(text("SELECT count(*) FROM processed_update")).scalar_one()
    engine.dispose()
    assert residents == len(users)
    assert [s["step"] for s in states] == ["frequency"] * len(users)
    assert all(s["draft"]["text"] == PROBLEM for s in states)
    assert claimed == 3 * len(users)  # each update applied (claimed) exactly once


def test_several_workers_need_a_webhook_and_postgresql() -> None:
    sqlite = load_settings(_env_file=None, webhook_url="https://x.org/h", webhook_secret="s" * 20)
    with pytest.raises(SettingsError, match="SQLite serves one process"):
        check_workers(sqlite, 2)
    polling = load_settings(_env_file=None, database_url="postgresql://u@h/db")
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        check_workers(polling, 2)
    check_workers(sqlite, 1)
