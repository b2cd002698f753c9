"""Benchmark 3 (query and build): the staff digest over 10k, 100k and 1M stored problems.

Measured as the digest code stands: ``storage.queries.problem_records`` loads the period's
problems (and the previous period's, for the change), ``flows.digest.build_digest`` counts and
picks quotes, ``render_digest`` writes the text. Each size runs in a fresh process, so its peak
memory (VmHWM) is the digest's own. Two periods: the weekly digest staff get on Mondays (a
104th of two years' problems) and the whole history (every stored problem in one digest).
"""

import multiprocessing
import time
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.dataset import END, SPAN
from bot.content_files import load_content, load_staff_texts
from flows.digest import build_digest
from flows.digest_text import render_digest
from flows.periods import Period, previous, week_period
from storage import queries
from storage.engine import make_engine, session_scope

TARGET_SECONDS = 5.0
ZONE = ZoneInfo("Europe/Oslo")
KIB = 1024


@dataclass(frozen=True, slots=True)
class DigestTiming:
    """One digest built in a fresh process."""

    stored: int
    scope: str  # "week" or "all"
    problems: int  # problems in the digest's period
    query: float  # seconds to load this and the previous period's records
    build: float  # seconds in build_digest
    render: float  # seconds in render_digest
    peak_mib: float  # VmHWM of the process at the end
    base_mib: float  # VmHWM after imports, before the query

    @property
    def total(self) -> float:
        """Return query + build + render seconds."""
        return self.query + self.build + self.render


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / KIB
    return float("nan")


def _period(scope: str) -> Period:
    if scope == "week":
        return week_period(END, ZONE)
    return Period(END - SPAN - timedelta(days=1), END + timedelta(minutes=1))


def _measure(database_url: str, stored: int, scope: str) -> DigestTiming:
    content = load_content()
    texts = load_staff_texts()
    engine = make_engine(database_url)
    base = _peak_mib()
    period = _period(scope)
    started = time.perf_counter()
    with session_scope(engine) as session:
        current = queries.problem_records(session=session, since=period.start, until=period.end)
        before_period = previous(period, ZONE)
        before = queries.problem_records(
            session=session, since=before_period.start, until=before_period.end
        )
    loaded = time.perf_counter()
    digest = build_digest(current, before, period)
    built = time.perf_counter()
    render_digest(digest, texts, "nb", lambda key: content.name(key, "nb"), ZONE)
    rendered = time.perf_counter()
    engine.dispose()
    return DigestTiming(
        stored,
        scope,
        len(current),
        loaded - started,
        built - loaded,
        rendered - built,
        _peak_mib(),
        base,
    )


def _child(conn: Connection, database_url: str, stored: int, scope: str) -> None:
    try:
        conn.send(("ok", _measure(database_url, stored, scope)))
    except Exception as error:  # reported by the parent
        conn.send(("error", f"{type(error).__name__}: {error}"))


def measure(database_url: str, stored: int, scope: str, limit: float = 600.0) -> DigestTiming:
    """Build one digest in a fresh process (killed after ``limit`` seconds)."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(child, database_url, stored, scope))
    process.start()
    try:
        if not parent.poll(limit):
            raise TimeoutError(f"digest over {stored} problems took over {limit:.0f}s")
        status, value = parent.recv()
    finally:
        if process.is_alive():
            process.join(10)
        if process.is_alive():
            process.kill()
        process.join(5)
    if status != "ok":
        raise RuntimeError(f"digest over {stored} problems failed: {value}")
    result: DigestTiming = value
    return result
