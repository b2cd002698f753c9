"""A running workspace on 127.0.0.1 over a seeded SQLite file, and Chromium to drive it."""

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.app import build_core
from bot.jobs.themes import assign_pending
from bot.settings import load_settings
from bot.web.app import WebContext, make_app
from bot.web.auth import issue_link
from bot.web.context import workspace_context
from bot.web.server import WebServer
from flows.problem import Problem
from storage import queries
from tests.bot.harness import free_port

STAFF_ID = 4242
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
XSS_SCRIPT = "Bussen kommer aldri <script>window.pwned = 1</script> om morgenen til skolen"
XSS_IMAGE = 'Veien er full av hull <img src=x onerror="window.pwned = 2"> ved skolen i Biri'
# Two kinds of problem the theme model keeps apart, several of each so counts reach 5.
BUS = "Bussen fra {area} går for sjelden om kvelden, jeg kommer ikke hjem fra jobb nummer {n}"
DOCTOR = "Det tar altfor lang tid å få time hos fastlegen i {area}, venter uker nummer {n}"


@dataclass
class Clock:
    """A clock the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Workspace:
    """The served workspace: its address, context and a way to get sign-in links."""

    url: str
    context: WebContext
    clock: Clock
    shots: Path

    def link(self, telegram_id: int = STAFF_ID) -> str | None:
        """Return a fresh one-time sign-in link for ``telegram_id``."""
        return issue_link(
            self.context.db, telegram_id=telegram_id, now=self.clock(), public_url=self.url
        )


def _seed(context: WebContext) -> None:
    rows: list[tuple[str, tuple[str, ...], str, int]] = []
    for n in range(8):
        rows.append((BUS.format(area="Biri", n=n), ("senior",), "biri", 4))
        rows.append((DOCTOR.format(area="sentrum", n=n), ("youth", "student"), "sentrum", 3))
    rows.append((XSS_SCRIPT, ("senior",), "biri", 5))
    rows.append((XSS_IMAGE, ("youth",), "biri", 2))
    for index, (text, groups, area, severity) in enumerate(rows):
        problem = Problem(
            text=text,
            language="nb",
            groups=groups,
            area=area,
            frequency="weekly",
            severity=severity,
        )
        resident = context.db.call(
            queries.get_or_create_resident, pseudonym=f"resident-{index}", now=NOW
        )
        context.db.call(
            queries.add_problem,
            resident_id=resident.id,
            problem=problem,
            source="telegram",
            now=NOW - timedelta(days=index % 10),
        )
    assign_pending(context.db.engine, clock=lambda: NOW)
    context.db.call(queries.add_staff, telegram_id=STAFF_ID, role="staff", now=NOW)


@pytest_asyncio.fixture(loop_scope="module")  # the loop of the file's browser
async def workspace(tmp_path: Path) -> AsyncIterator[Workspace]:
    """Serve the workspace over a seeded database until the test ends."""
    port = free_port()
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'innspill.db'}",
        secret_key="k" * 24,
        web_port=port,
    )
    clock = Clock(NOW)
    core = build_core(settings, clock=clock)
    context = workspace_context(core)
    context.bot_username = "innspill_test_bot"
    _seed(context)
    server = WebServer("127.0.0.1", port, lambda: make_app(context))
    await server.start()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    try:
        yield Workspace(f"http://127.0.0.1:{port}", context, clock, shots)
    finally:
        await server.stop()
        core.db.engine.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def _chromium() -> AsyncIterator[Any]:
    """Debian's Chromium under Playwright, started once for a file's tests (it takes seconds);
    the tests are skipped where either is missing."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Chromium not found: install Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.skip("Playwright not installed: pip install playwright")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def browser(_chromium: Any) -> AsyncIterator[Any]:
    """The file's Chromium for one test; every context (cookies, pages) it opened is closed
    after it, so no test sees another's session."""
    yield _chromium
    for context in list(_chromium.contexts):
        await context.close()
