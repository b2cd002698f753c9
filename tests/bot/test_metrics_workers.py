"""Two webhook workers on PostgreSQL: /metrics adds up what both handled, whichever answers."""

import asyncio
import os
import signal
from pathlib import Path

import pytest

from tests.bot.harness import SECRET
from tests.bot.test_e2e_faults import START_WITHIN
from tests.bot.test_ops_web import get, ready_status, samples, value
from tests.bot.test_workers import HOOK_SECRET, resident, start_workers
from tests.fakebotapi import FakeBotAPI

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.xdist_group("processes")]


async def test_two_workers_count_every_update_once_in_metrics(
    api: FakeBotAPI, postgres_url: str, unused_tcp_port_factory, tmp_path: Path
) -> None:
    hook_port, web_port = unused_tcp_port_factory(), unused_tcp_port_factory()
    shared = tmp_path / "metrics"
    env = {
        **os.environ,
        "BOT_TOKEN": api.token,
        "TELEGRAM_API_URL": api.base_url,
        "DATABASE_URL": postgres_url,
        "SECRET_KEY": SECRET,
        "WEBHOOK_URL": "https://innspill.example.org/telegram",
        "WEBHOOK_SECRET": HOOK_SECRET,
        "WEBHOOK_PORT": str(hook_port),
        "WEB_PORT": str(web_port),
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "LOG_LEVEL": "WARNING",
    }
    shared.mkdir()
    (shared / "counter_1.db").write_bytes(b"left from an earlier run")
    base = f"http://127.0.0.1:{web_port}"
    parent = start_workers(env, tmp_path)
    try:
        await api.wait_for(lambda a: len(a.calls("setWebhook")) >= 2, timeout=START_WITHIN)
        await ready_status(base, 200, within=60)
        url = f"http://127.0.0.1:{hook_port}/telegram"
        users = range(5001, 5013)
        await asyncio.wait_for(asyncio.gather(*(resident(api, url, u) for u in users)), timeout=90)
        scrapes = [samples((await get(f"{base}/metrics"))[1]) for _ in range(6)]
        writers = {path.name.rsplit("_", 1)[1] for path in shared.glob("counter_*.db")}
    finally:
        parent.send_signal(signal.SIGTERM)
        parent.wait(timeout=30)
    assert len(writers) == 2  # both workers counted (the stale file was cleared at start)
    for found in scrapes:  # whichever worker answered, the totals are the same
        assert value(found, "innspill_updates_total", kind="message", outcome="handled") == 24
        assert (
            value(found, "innspill_updates_total", kind="callback_query", outcome="handled") == 12
        )
        assert value(found, "innspill_interviews_total", event="started") == 12
