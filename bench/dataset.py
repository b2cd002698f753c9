"""Fill a migrated database with generated residents and problems, fast (SQLAlchemy core).

The texts are the hand-written labelled problems (tests/data/themes_labelled.tsv) with words
dropped, swapped or mistyped, so quotes differ as real ones do; groups, areas, frequencies and
severities follow the interview file, spread unevenly as real answers are.
"""

import hashlib
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection

from bench.themes_quality import vary
from bot.content_files import load_content
from flows.content import Content
from storage.engine import make_engine, upgrade_database
from storage.models import Endorsement, Problem, Resident, Theme

PROBLEM: Final = Problem.metadata.tables["problem"]
RESIDENT: Final = Resident.metadata.tables["resident"]
THEME: Final = Theme.metadata.tables["theme"]
ENDORSEMENT: Final = Endorsement.metadata.tables["endorsement"]

LABELLED: Final = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes_labelled.tsv"
END: Final = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning: digest time
SPAN: Final = timedelta(days=730)  # problems are spread over the two years before END
PROBLEMS_PER_RESIDENT: Final = 3
BATCH: Final = 20_000
# A municipality's data after two years: most problems have one of a few hundred themes (the
# assigner leaves few alone), and residents said "same for me" to some (50,000 in a million).
THEMES: Final = 270
THEMED: Final = 0.9
ENDORSED_EVERY: Final = 20
_SOLUTIONS: Final = (
    ("nb", "Vi trenger en app som viser ledige plasser."),
    ("nb", "Kommunen bør sette opp flere benker langs gangveien."),
    ("en", "There should be a shuttle bus from the station."),
    ("nn", "Kommunen burde opne biblioteket på søndagar."),
)


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    texts: tuple[tuple[str, str], ...]  # (language, text)
    groups: tuple[str, ...]
    areas: tuple[str, ...]
    frequencies: tuple[str, ...]


def _vocabulary(content: Content) -> _Vocabulary:
    texts = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _, language, text = line.split("\t")
            texts.append((language, text))
    return _Vocabulary(
        tuple(texts),
        tuple(option.key for option in content.groups),
        tuple(area.key for area in content.areas),
        tuple(option.key for option in content.frequencies),
    )


def _skewed(options: Sequence[str], rng: random.Random) -> str:
    """Pick an option, the first ones more often (a few areas and groups dominate)."""
    return options[min(int(rng.expovariate(0.35)), len(options) - 1)]


def _problem(rng: random.Random, words: _Vocabulary, residents: int) -> dict[str, Any]:
    language, text = rng.choice(words.texts)
    solution_language, solution = rng.choice(_SOLUTIONS) if rng.random() < 0.1 else ("", "")
    groups = sorted({_skewed(words.groups, rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))})
    return {
        "resident_id": rng.randint(1, residents),
        "created_at": END - SPAN * rng.random(),
        "text": vary(text, rng),
        "language": language,
        "suggested_solution": solution,
        "solution_language": solution_language,
        "groups": groups,
        "area": "" if rng.random() < 0.05 else _skewed(words.areas, rng),
        "frequency": rng.choice(words.frequencies),
        "severity": None if rng.random() < 0.05 else rng.choice((1, 2, 3, 3, 4, 4, 5)),
        "source": "telegram",
        "workshop": "" if rng.random() < 0.9 else f"ws-{rng.randint(1, 40)}",
    }


def _residents(first: int, last: int) -> Iterator[dict[str, Any]]:
    for number in range(first, last + 1):
        seen = END - SPAN * ((number * 7919) % 1000) / 1000
        yield {
            "pseudonym": hashlib.sha256(f"bench-resident-{number}".encode()).hexdigest(),
            "language": "nb",
            "consent_version": 1,
            "consented_at": seen,
            "follow_up_consent": False,
            "chat_id": None,
            "created_at": seen,
            "last_seen_at": seen,
        }


def _count(connection: Connection, table: Table) -> int:
    return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _insert(connection: Connection, table: Table, rows: Iterator[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


def grow(database_url: str, problems: int, seed: int = 20261123) -> float:
    """Add generated problems until ``database_url`` holds ``problems``; return the seconds."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    try:
        upgrade_database(engine)
        words = _vocabulary(load_content())
        with engine.begin() as connection:
            have = _count(connection, PROBLEM)
            known = _count(connection, RESIDENT)
            residents = max(known, problems // PROBLEMS_PER_RESIDENT, 1)
            _insert(connection, RESIDENT, _residents(known + 1, residents))
            rng = random.Random(seed + have)
            rows = (_problem(rng, words, residents) for _ in range(problems - have))
            _insert(connection, PROBLEM, rows)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def spread_themes(database_url: str, themes: int, share: float = 1.0) -> None:
    """Give ``share`` of the problems without a theme one of ``themes`` themes, as the assigner
    would (in SQL: a million problems in seconds).

    The problem's id picks both, so the spread is the same every time and a grown database
    gets its new problems themed alike: ``id % themes + 1``, for ids whose last two digits are
    below ``share`` × 100.
    """
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if not _count(connection, THEME):
                labels = [
                    {"id": i, "label": f"tema {i}", "label_override": "", "created_at": END}
                    for i in range(1, themes + 1)
                ]
                connection.execute(insert(THEME), labels)
            pid = PROBLEM.c.id
            connection.execute(
                update(PROBLEM)
                .where(PROBLEM.c.theme_id.is_(None), pid % 100 < round(share * 100))
                .values(theme_id=pid % themes + 1)
            )
    finally:
        engine.dispose()


def endorse(database_url: str, every: int = ENDORSED_EVERY) -> None:
    """Have another resident say "same for me" to every ``every``-th problem (once each)."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            residents = _count(connection, RESIDENT)
            pid = PROBLEM.c.id
            fan = (pid * 13) % residents + 1  # small factor: PostgreSQL's integers are 32-bit
            # Not every every-th id: that would endorse only the themes of a few ids' residues.
            rows = select(pid, fan, PROBLEM.c.created_at).where(
                (pid % 1000 * 919) % (every * 50) < 50,
                pid.not_in(select(ENDORSEMENT.c.problem_id)),
                fan != func.coalesce(PROBLEM.c.resident_id, 0),
            )
            columns = ["problem_id", "resident_id", "created_at"]
            connection.execute(insert(ENDORSEMENT).from_select(columns, rows))
    finally:
        engine.dispose()


def settle(database_url: str) -> None:
    """On PostgreSQL, vacuum and analyse the grown tables, as autovacuum would in a while.

    Growing and theming rewrite every row at once; until a vacuum marks the pages visible, no
    index-only scan can skip the table, and the planner has no statistics.
    """
    engine = make_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                for table in ("problem", "endorsement", "resident"):
                    connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    finally:
        engine.dispose()


def municipal(database_url: str, problems: int) -> float:
    """Grow ``database_url`` to ``problems`` with themes and endorsements as a municipality's
    (``THEMES``, ``THEMED``, ``ENDORSED_EVERY``); return the seconds.
    """
    started = time.perf_counter()
    grow(database_url, problems)
    spread_themes(database_url, THEMES, THEMED)
    endorse(database_url)
    settle(database_url)
    return time.perf_counter() - started
