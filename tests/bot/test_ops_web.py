"""Health, readiness and metrics on the web server of a running bot (fake Bot API)."""

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import TelegramRunner, build_core
from bot.settings import Settings, SettingsError
from bot.telegram.delivery import Pacer
from storage.engine import upgrade_database
from tests.bot.harness import TEST_PER_CHAT, Clock, Resident, settings_for
from tests.bot.test_e2e_interview import BUS
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.e2e
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@contextlib.asynccontextmanager
async def serving(settings: Settings, every: float = 60.0) -> AsyncIterator[str]:
    """Run the bot as `innspill run` does; yield the base URL of its web server."""
    core = build_core(settings, clock=Clock())
    runner = TelegramRunner(core, digest_every=every, pacer=Pacer(per_chat=TEST_PER_CHAT))
    task = asyncio.create_task(runner.run())
    try:
        for _ in range(200):
            if runner.web.port:
                break
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{runner.web.port}"
    finally:
        await runner.stop()
        await asyncio.wait_for(task, timeout=10)
        core.db.engine.dispose()


async def get(url: str, **headers: str) -> tuple[int, Any]:
    """GET ``url``; return the status and the JSON body (or the text)."""
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers=headers) as response,
    ):
        if response.content_type == "application/json":
            return response.status, await response.json()
        return response.status, await response.text()


async def ready_status(base: str, want: int, within: float = 20.0) -> dict[str, Any]:
    """Poll /readyz until it answers ``want``; return its body."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        status, body = await get(f"{base}/readyz")
        if status == want:
            return dict(body)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/readyz stayed {status}: {body}")
        await asyncio.sleep(0.2)


def samples(exposition: str) -> Samples:
    """Read a Prometheus text exposition into {(sample name, labels): value}."""
    found: Samples = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.postgres
async def test_readiness_turns_503_while_the_database_is_gone_and_back_after(
    api: FakeBotAPI, postgres_url: str
) -> None:
    async with serving(settings_for(api, postgres_url), every=0.3) as base:
        assert await get(f"{base}/healthz") == (200, {"status": "alive"})
        ready = await ready_status(base, 200)
        assert ready["checks"] == dict.fromkeys(
            ("database", "migrations", "telegram", "scheduler"), "ok"
        )
        healthy = samples((await get(f"{base}/metrics"))[1])
        name = make_url(postgres_url).database
        admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            down = await ready_status(base, 503)
            assert down["reason"].startswith("database: the database does not answer")
            errors = samples((await get(f"{base}/metrics"))[1])
            counted = "innspill_database_errors_total"
            assert value(errors, counted, kind="disconnect") > value(
                healthy, counted, kind="disconnect"
            )
            assert (await get(f"{base}/healthz"))[0] == 200  # alive, just not ready
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            empty = await ready_status(base, 503)
            assert "migrations: schema at nothing" in empty["reason"]
            upgrade_database(postgres_url)
            back = await ready_status(base, 200)  # the scheduler took its lock again
            assert back["ready"] is True
        finally:
            admin.dispose()


async def test_readiness_waits_for_telegram(api: FakeBotAPI, sqlite_url: str) -> None:
    api.delay_next("deleteWebhook", 3.0)  # Telegram slow to answer at start
    async with serving(settings_for(api, sqlite_url)) as base:
        waiting = await ready_status(base, 503, within=2)
        assert waiting["reason"] == "telegram: no answer from Telegram yet"
        await ready_status(base, 200)


async def test_metrics_count_a_scripted_interview(api: FakeBotAPI, sqlite_url: str) -> None:
    async with serving(settings_for(api, sqlite_url)) as base:
        await ready_status(base, 200)
        before = samples((await get(f"{base}/metrics"))[1])
        sent_before = _accepted(api)
        anna, ola = Resident(api, 4001), Resident(api, 4002)
        await anna.says("/start")
        await anna.presses("consent:yes")
        api.fail_next("sendMessage", status=429, retry_after=1)
        await anna.says(BUS)  # its answer is held back once by a 429
        for data in ("frequency:daily", "severity:4"):
            await anna.presses(data)
        await anna.presses("groups:senior", expect=0)
        await api.wait_for(lambda a: any("✓" in b for b, _ in a.sent_to(4001)[-1].buttons))
        await anna.presses("groups:done")
        await anna.presses("area:hunndalen")
        await anna.presses("review:confirm")
        await ola.says("/start")
        await ola.presses("consent:yes")
        await ola.says("/cancel")
        # An update is counted once its handler returns, which may be just after its reply
        # arrived, and the marks on pressed questions may follow later: wait (a deadline, not
        # a check) until the four messages are counted and the marks have settled.
        handled = ("innspill_updates_total", (("kind", "message"), ("outcome", "handled")))
        edits = ("innspill_messages_sent_total", (("method", "editMessageText"),))
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            sent_after = _accepted(api)
            after = samples((await get(f"{base}/metrics"))[1])
            counted = after.get(handled, 0.0) - before.get(handled, 0.0)
            marked = after.get(edits, 0.0) - before.get(edits, 0.0)
            settled = marked == sent_after["editMessageText"] - sent_before["editMessageText"]
            if (counted >= 4 and settled) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("innspill_interviews_total", event="started") == 2
    assert delta("innspill_interviews_total", event="finished") == 1
    assert delta("innspill_interviews_total", event="abandoned") == 1
    assert delta("innspill_problems_saved_total", source="telegram") == 1
    assert delta("innspill_updates_total", kind="message", outcome="handled") == 4
    assert delta("innspill_updates_total", kind="callback_query", outcome="handled") == 8
    assert delta("innspill_update_seconds_count", kind="callback_query") == 8
    assert delta("innspill_flood_waits_total") == 1
    for method in ("sendMessage", "editMessageText"):
        assert delta("innspill_messages_sent_total", method=method) == (
            sent_after[method] - sent_before[method]
        )
    assert value(after, "innspill_outbox_backlog", kind="digest") == 0
    assert ("innspill_theme_backlog", ()) in after


def _accepted(api: FakeBotAPI) -> dict[str, int]:
    methods = ("sendMessage", "editMessageText")
    return {m: sum(r.method == m and r.status == 200 for r in api.requests) for m in methods}


async def test_metrics_ask_for_the_token_when_one_is_set(api: FakeBotAPI, sqlite_url: str) -> None:
    token = "metrics-token-0123456789"
    async with serving(settings_for(api, sqlite_url, metrics_token=token)) as base:
        status, body = await get(f"{base}/metrics")
        assert status == 401 and "METRICS_TOKEN" in body["error"]
        assert (await get(f"{base}/metrics", Authorization="Bearer wrong"))[0] == 401
        status, exposition = await get(f"{base}/metrics", Authorization=f"Bearer {token}")
        assert status == 200 and "innspill_outbox_backlog" in exposition
        assert token not in exposition


async def test_a_taken_web_port_is_named(api: FakeBotAPI, sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        core = build_core(settings_for(api, sqlite_url, web_port=port), clock=Clock())
        runner = TelegramRunner(core)
        with pytest.raises(SettingsError, match=f"WEB_HOST/WEB_PORT: cannot listen on .*:{port}"):
            await asyncio.wait_for(runner.run(), timeout=10)
        core.db.engine.dispose()
