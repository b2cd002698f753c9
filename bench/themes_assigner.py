"""Measure the theme assigner through the database: the cost per new problem at 1k/10k/100k.

Run with ``.venv/bin/python -m bench.themes_assigner [--database-url URL]`` (default: a SQLite
file in a temporary directory). Problems are bulk-inserted up to each mark and assigned; then
``--probes`` more are saved and the time a warm assigner takes for them, batch by batch, with
the snapshot written once per batch, is reported per problem. Last, ``innspill themes rebuild``
re-clusters every stored problem and its wall-clock time is reported. Never part of the test
suite.
"""

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bench.themes_quality import load, perturbed
from bot.jobs.themes import BATCH, ThemeAssigner
from bot.services.themes import rebuild_themes
from storage import queries
from storage.engine import make_engine, session_scope, upgrade_database
from storage.models import Problem

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def store(engine: Engine, texts: Sequence[tuple[str, str]]) -> None:
    """Insert problems without a theme, as saves leave them, in one transaction."""
    rows = [
        {"text": text, "language": language, "source": "telegram", "created_at": NOW}
        | {"suggested_solution": "", "solution_language": "", "groups": [], "area": ""}
        | {"frequency": "", "workshop": ""}
        for text, language in texts
    ]
    with session_scope(engine) as session:
        for start in range(0, len(rows), 5_000):
            session.execute(insert(Problem), rows[start : start + 5_000])


def measure(engine: Engine, marks: Sequence[int], probes: int, batch: int) -> None:
    """Print, at each mark, the backlog rate and the warm per-problem cost."""
    labelled = load()
    stream = random.Random(20261127)
    assigner = ThemeAssigner(engine, clock=clock, batch=batch)
    stored = 0
    for mark in marks:
        texts = [(r.text, r.language) for r in perturbed(labelled, mark - stored, stream)]
        store(engine, texts)
        started = time.perf_counter()
        assigner.assign_pending()
        backlog = (time.perf_counter() - started) / len(texts) * 1e6
        store(engine, [(r.text, r.language) for r in perturbed(labelled, probes, stream)])
        started = time.perf_counter()
        assigner.assign_pending()
        warm = (time.perf_counter() - started) / probes * 1e6
        started = time.perf_counter()
        ThemeAssigner(engine, clock=clock, batch=batch).assign_pending()  # restart: reload
        reload = (time.perf_counter() - started) * 1e3
        stored = mark + probes
        with session_scope(engine) as session:
            snapshot = queries.lock_theme_state(session=session).snapshot or {}
        print(  # noqa: T201 - a benchmark prints
            f"{stored:>7} stored: {warm:6.0f} µs per new problem (batches of {batch}); "
            f"backlog {backlog:6.0f} µs each; {len(snapshot.get('themes', ())):4} themes; "
            f"restart reload {reload:5.0f} ms"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the measurement on DATABASE_URL or a fresh SQLite file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", help="an empty database (default: temporary SQLite)")
    parser.add_argument("--probes", type=int, default=500)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument(
        "--rebuild-only", type=int, metavar="N", help="only time a rebuild of N stored problems"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade_database(engine)
        try:
            if args.rebuild_only:
                labelled = load()
                stream = random.Random(20261127)
                store(
                    engine,
                    [(r.text, r.language) for r in perturbed(labelled, args.rebuild_only, stream)],
                )
            else:
                measure(engine, (1_000, 10_000, 100_000), args.probes, args.batch)
            started = time.perf_counter()
            rebuilt = rebuild_themes(engine, now=NOW)
            print(  # noqa: T201 - a benchmark prints
                f"rebuild of {rebuilt.problems} problems into {rebuilt.themes} themes: "
                f"{time.perf_counter() - started:.0f} s"
            )
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
