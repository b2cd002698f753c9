"""Page render time of the web workspace over a large database: ``python -m bench.workspace``.

Fills a database with generated problems (bench.dataset), spreads them over 300 themes, signs a
staff member in and fetches each page through HTTP in this process; prints p50 and p95.
"""

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bench.dataset import END, grow, settle, spread_themes
from bot.app import build_core
from bot.settings import Settings, load_settings
from bot.web.app import make_app
from bot.web.auth import issue_link
from bot.web.context import workspace_context
from storage import queries

THEMES = 300
PAGES = (
    "/",
    "/?period=year",
    "/themes",
    "/themes?period=year&sort=problems",
    "/themes/7",
    "/problems",
    "/problems?period=year&group=senior&text=buss",
    "/map",
    "/workshops",
)


def _settings(database_url: str) -> Settings:
    """Return the bench's settings: one key for every step, or the residents become strangers."""
    return load_settings(_env_file=None, database_url=database_url, secret_key="b" * 24)


async def _measure(database_url: str, rounds: int) -> dict[str, list[float]]:
    core = build_core(_settings(database_url), clock=lambda: END)
    context = workspace_context(core)
    # As `innspill run` does once started (bot/app.py): what start-up built (language profiles,
    # dictionaries) stays out of every full collection, which would otherwise walk it (~170 ms).
    gc.freeze()
    core.db.call(queries.add_staff, telegram_id=1, role="staff", now=END)
    link = issue_link(core.db, telegram_id=1, now=END, public_url="")
    assert link is not None
    timings: dict[str, list[float]] = {page: [] for page in PAGES}
    async with TestClient(TestServer(make_app(context))) as client:
        await client.post(link)
        for _ in range(rounds):
            for page in PAGES:
                started = time.perf_counter()
                response = await client.get(page)
                await response.read()
                assert response.status == 200, (page, response.status)
                timings[page].append(time.perf_counter() - started)
    return timings


def main() -> None:
    """Grow the database, then time every page."""
    parser = argparse.ArgumentParser(prog="python -m bench.workspace", description=__doc__)
    parser.add_argument("--problems", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        grown = grow(url, args.problems)
        spread_themes(url, THEMES)
        settle(url)
        timings = asyncio.run(_measure(url, args.rounds))
    day = f"{datetime.now(UTC):%Y-%m-%d}"
    print(f"{args.problems} problems, {args.rounds} rounds, grown in {grown:.0f} s, {day}")  # noqa: T201
    print("| page | p50 ms | p95 ms |\n|---|---|---|")  # noqa: T201
    for page, values in timings.items():
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        print(f"| `{page}` | {statistics.median(values) * 1000:.0f} | {p95 * 1000:.0f} |")  # noqa: T201


if __name__ == "__main__":
    main()
