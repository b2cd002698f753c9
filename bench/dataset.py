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

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection

from bench.themes_quality import vary
from bot.content_files import load_content
from flows.content import Content
from storage.engine import make_engine, upgrade_database
from storage.models import Problem, Resident

PROBLEM: Final = Problem.metadata.tables["problem"]
RESIDENT: Final = Resident.metadata.tables["resident"]

LABELLED: Final = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes_labelled.tsv"
END: Final = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning: digest time
SPAN: Final = timedelta(days=730)  # problems are spread over the two years before END
PROBLEMS_PER_RESIDENT: Final = 3
BATCH: Final = 20_000
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
