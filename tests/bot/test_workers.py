"""Several webhook workers on PostgreSQL: every update once, /metrics adds up what both handled,
and the scheduler moves on a kill.

One `innspill run --workers 2` serves the tests of this file (each start of a worker imports
aiogram and loads the dictionaries: seconds of CPU): /metrics first, then the kill, which leaves
a replaced worker behind. Each test counts only what it sent.
"""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import Engine, create_engine, text

from bot.settings import SettingsError, load_settings
from bot.telegram.workers import check_workers
from tests.bot.harness import SECRET, interview_file
from tests.bot.test_e2e_faults import PROCESS_TIMEOUT, START_WITHIN
from tests.bot.test_ops_web import get, ready_status, samples, value
from tests.conftest import fresh_postgres
from tests.fakebotapi import FakeBotAPI, running_fake_api

# Processes of their own: one xdist worker runs this file's tests one after another.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("workers"),
    pytest.mark.timeout(PROCESS_TIMEOUT),
]
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
    """Run `innspill run --workers 2` as an operator would; its log goes to workers.log."""
    with (cwd / "workers.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--workers", "2"],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )


@dataclass
class Workers:
    """The running `innspill run --workers 2`: its parent, database and addresses."""

    api: FakeBotAPI
    parent: subprocess.Popen[bytes]
    database_url: str
    hook: str  # the webhook's URL
    web: str  # health and metrics
    shared: Path  # PROMETHEUS_MULTIPROC_DIR


@pytest.fixture(scope="module")
def workers_database(_postgres_admin: tuple[Engine, Any]) -> Iterator[str]:
    """An empty PostgreSQL database for this file's workers, dropped afterwards."""
    with fresh_postgres(_postgres_admin) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def workers(
    workers_database: str, unused_tcp_port_factory: Any, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Workers]:
    """Start `innspill run --workers 2` once it is ready; stop it with SIGTERM at the end."""
    hook_port, web_port = unused_tcp_port_factory(), unused_tcp_port_factory()
    home = tmp_path_factory.mktemp("workers")
    shared = home / "metrics"
    shared.mkdir()
    (shared / "counter_1.db").write_bytes(b"left from an earlier run")
    async with running_fake_api() as api:
        env = {
            **os.environ,
            "BOT_TOKEN": api.token,
            "TELEGRAM_API_URL": api.base_url,
            "DATABASE_URL": workers_database,
            "SECRET_KEY": SECRET,
            "WEBHOOK_URL": "https://innspill.example.org/telegram",
            "WEBHOOK_SECRET": HOOK_SECRET,
            "WEBHOOK_PORT": str(hook_port),
            "WEB_PORT": str(web_port),
            "PROMETHEUS_MULTIPROC_DIR": str(shared),
            "SCHEDULER_SECONDS": "0.5",
            "LOG_LEVEL": "WARNING",
            "INTERVIEW_FILE": str(interview_file(home)),  # one language's dictionaries to load
        }
        web = f"http://127.0.0.1:{web_port}"
        parent = start_workers(env, home)
        try:
            await api.wait_for(lambda a: len(a.calls("setWebhook")) >= 2, timeout=START_WITHIN)
            await ready_status(web, 200, within=60)
            hook = f"http://127.0.0.1:{hook_port}/telegram"
            yield Workers(api, parent, workers_database, hook, web, shared)
        finally:
            parent.send_signal(signal.SIGTERM)
            parent.wait(timeout=30)


def database_counts(database_url: str) -> tuple[int, int, list[dict[str, Any]]]:
    """Return the residents, the claimed updates and every conversation's state."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        residents = conn.execute(text("SELECT count(*) FROM resident")).scalar_one()
        claimed = conn.execute(text("SELECT count(*) FROM processed_update")).scalar_one()
        states = conn.execute(text("SELECT state FROM conversation")).scalars().all()
    engine.dispose()
    return residents, claimed, list(states)


HANDLED = {
    ("innspill_updates_total", (("kind", "message"), ("outcome", "handled"))): 24,
    ("innspill_updates_total", (("kind", "callback_query"), ("outcome", "handled"))): 12,
    ("innspill_interviews_total", (("event", "started"),)): 12,
}


@pytest.mark.postgres
@pytest.mark.asyncio(loop_scope="module")
async def test_two_workers_count_every_update_once_in_metrics(workers: Workers) -> None:
    # Before the kill below: a killed worker's counts stay on disk beside its replacement's.
    before = samples((await get(f"{workers.web}/metrics"))[1])
    users = range(5001, 5013)
    tasks = (resident(workers.api, workers.hook, u) for u in users)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=90)
    scrapes = [samples((await get(f"{workers.web}/metrics"))[1]) for _ in range(6)]
    writers = {path.name.rsplit("_", 1)[1] for path in workers.shared.glob("counter_*.db")}
    assert len(writers) == 2  # both workers counted (the stale file was cleared at start)
    for found in scrapes:  # whichever worker answered, the totals are the same
        for (name, labels), sent in HANDLED.items():
            added = value(found, name, **dict(labels)) - value(before, name, **dict(labels))
            assert added == sent, (name, labels)


@pytest.mark.postgres
@pytest.mark.asyncio(loop_scope="module")
async def test_two_workers_apply_every_update_once_and_the_scheduler_survives_a_kill(
    workers: Workers,
) -> None:
    database_url, parent = workers.database_url, workers.parent
    residents_before, claimed_before, _ = database_counts(database_url)
    await wait_until(lambda: leader(database_url) is not None, within=30)
    first = leader(database_url)
    assert first in children(parent.pid)
    users = range(3001, 3013)
    tasks = [asyncio.create_task(resident(workers.api, workers.hook, u)) for u in users]
    await asyncio.sleep(0.3)
    os.kill(first, signal.SIGKILL)  # the scheduler's worker dies mid-run
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=90)
    await wait_until(lambda: leader(database_url) not in (None, first), within=30)
    assert leader(database_url) in children(parent.pid)
    residents, claimed, states = database_counts(database_url)
    assert residents - residents_before == len(users)
    assert len(states) == residents  # every resident of this file stopped at the same step
    assert [s["step"] for s in states] == ["frequency"] * residents
    assert all(s["draft"]["text"] == PROBLEM for s in states)
    assert claimed - claimed_before == 3 * len(users)  # each update applied (claimed) once


def test_several_workers_need_a_webhook_and_postgresql() -> None:
    sqlite = load_settings(_env_file=None, webhook_url="https://x.org/h", webhook_secret="s" * 20)
    with pytest.raises(SettingsError, match="SQLite serves one process"):
        check_workers(sqlite, 2)
    polling = load_settings(_env_file=None, database_url="postgresql://u@h/db")
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        check_workers(polling, 2)
    check_workers(sqlite, 1)
