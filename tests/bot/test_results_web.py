"""The public results page over HTTP on 127.0.0.1: only what staff published, nothing personal."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from bot.app import build_core
from bot.settings import load_settings
from bot.web.app import make_app
from bot.web.context import workspace_context
from bot.web.results import add_results_routes, results_routes
from bot.web.server import WebServer
from flows.problem import Problem
from storage import queries
from storage.database import Database
from storage.engine import make_engine, session_scope, upgrade_database
from storage.queries.statuses import Target
from tests.packaged import content

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUOTE = "Bussen går altfor sjelden, ring meg på 912 34 567"
NOTE = "Ny kveldsrute fra mars <script>alert(1)</script>"


def seed(database_url: str) -> Database:
    """Store theme 1 (6 problems, public, planned), theme 2 (3, public), theme 3 (private)."""
    engine = make_engine(database_url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        for theme, count in ((1, 6), (2, 3), (3, 7)):
            queries.store_themes(session=session, labels={theme: f"tema nummer {theme}"}, now=NOW)
            for n in range(count):
                draft = Problem(text=f"{QUOTE} ({theme}.{n})", language="nb")
                problem = queries.add_problem(
                    session=session, resident_id=None, problem=draft, source="import", now=NOW
                )
                queries.set_problem_themes(session=session, themes={problem: theme})
        queries.rename_theme(session=session, theme_id=1, label="Kveldsbuss & helg")
        queries.add_status_change(
            session=session, target=Target(theme_id=1), status="planned", note=NOTE,
            note_language="nb", changed_by="cli:test", now=NOW,
        )  # fmt: skip
        for theme in (1, 2):
            queries.set_public(session=session, theme_id=theme, public=True, now=NOW)
    return Database(engine)


@asynccontextmanager
async def serving(db: Database, *, enabled: bool) -> AsyncIterator[str]:
    """Serve the results routes on 127.0.0.1 (a free port); yield the base URL."""
    app = web.Application()
    add_results_routes(app, db=db, content=content(), default_language="nb", enabled=enabled)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        db.engine.dispose()


async def test_the_page_lists_only_public_themes_with_counts_status_and_note(
    database_url: str,
) -> None:
    async with serving(seed(database_url), enabled=True) as base, aiohttp.ClientSession() as http:
        async with http.get(f"{base}/results") as response:
            assert response.status == 200
            assert "script-src" not in response.headers["Content-Security-Policy"]
            page = await response.text()
        async with http.get(f"{base}/results?lang=en") as response:
            english = await response.text()
    assert "Kveldsbuss &amp; helg" in page and "tema nummer 2" in page
    assert "tema nummer 3" not in page  # not marked public
    assert "6 innspill" in page and "&lt;5 innspill" in page  # fewer than 5 shown as "<5"
    assert "Planlagt" in page and "Mottatt" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "Bussen" not in page and "912" not in page  # no quotes, nothing personal
    assert "Planned" in english and "Received" in english and "6 reports" in english


async def test_the_page_is_not_served_unless_public_results_are_on(database_url: str) -> None:
    async with (
        serving(seed(database_url), enabled=False) as base,
        aiohttp.ClientSession() as http,
        http.get(f"{base}/results") as response,
    ):
        assert response.status == 404


async def test_the_web_server_of_innspill_run_serves_it_without_sign_in(tmp_path) -> None:
    """Mounted on the workspace app as `innspill run` mounts it: open to all, the rest not."""
    url = f"sqlite:///{tmp_path / 'innspill.db'}"
    settings = load_settings(
        _env_file=None, database_url=url, secret_key="k" * 24, public_results=True
    )
    core = build_core(settings)
    seed(url)
    module = results_routes(default_language="nb", enabled=settings.public_results)
    context = workspace_context(core)
    server = WebServer("127.0.0.1", 0, lambda: make_app(context, [module]))
    await server.start()
    port = server.port
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/results") as response:
                assert response.status == 200
                assert "Kveldsbuss &amp; helg" in await response.text()
            async with http.get(f"http://127.0.0.1:{port}/themes", allow_redirects=False) as page:
                assert page.status != 200  # the workspace itself still asks for a sign-in
    finally:
        await server.stop()
        core.db.engine.dispose()
