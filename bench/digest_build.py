"""Benchmark 3 (query and build): the staff digest over 10k, 100k and 1M stored problems.

Measured as the digest code stands: ``bot.services.digests.count_digest`` has the database
count the period, the period before, the earlier periods and the trend weeks and fetches a few
quote candidates (query), ``flows.digest_sums.sums_digest`` builds the digest (build) and
``render_digest`` writes the text. ``way="records"`` measures the old way, kept as the tests'
oracle: every record of the period and the one before loaded, then ``build_digest``. Each size
runs in a fresh process, so its peak memory (VmHWM) is the digest's own. Two periods: the weekly
digest staff get on Mondays (a 104th of two years' problems) and the whole history (every stored
problem in one digest).
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
from bot.services.digests import count_digest
from flows.digest import Digest, build_digest
from flows.digest_sums import sums_digest
from flows.digest_text import render_digest
from flows.periods import Period, previous, week_period
from flows.priority import DEFAULT_WEIGHTS
from flows.trend import EARLIER_PERIODS, week_bounds
from storage import queries
from storage.engine import make_engine, read_scope, session_scope

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
    # CPU seconds of this process for query + build + render: on SQLite the whole work, which
    # a busy machine does not stretch as it stretches the seconds above (not PostgreSQL's).
    cpu: float = float("nan")

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


def _by_records(database_url: str, period: Period) -> tuple[Digest, float, float]:
    engine = make_engine(database_url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        current = queries.problem_records(session=session, since=period.start, until=period.end)
        before_period = previous(period, ZONE)
        before = queries.problem_records(
            session=session, since=before_period.start, until=before_period.end
        )
    loaded = time.perf_counter()
    digest = build_digest(current, before, period)
    engine.dispose()
    return digest, loaded - started, time.perf_counter() - loaded


def _by_counts(database_url: str, period: Period) -> tuple[Digest, float, float]:
    engine = make_engine(database_url)
    periods = [previous(period, ZONE)]
    while len(periods) < EARLIER_PERIODS:
        periods.append(previous(periods[-1], ZONE))
    started = time.perf_counter()
    with read_scope(engine) as session:  # as DigestBuilder.digest reads it
        sums, quotes = count_digest(
            session,
            period=period,
            earlier=periods,
            weeks=week_bounds(period.end, ZONE),
            weights=DEFAULT_WEIGHTS,
            language="nb",
        )
    counted = time.perf_counter()
    digest = sums_digest(sums, period, quotes)
    engine.dispose()
    return digest, counted - started, time.perf_counter() - counted


def _measure(database_url: str, stored: int, scope: str, way: str) -> DigestTiming:
    content = load_content()
    texts = load_staff_texts()
    base = _peak_mib()
    period = _period(scope)
    build = _by_records if way == "records" else _by_counts
    cpu = time.process_time()
    digest, query, built = build(database_url, period)
    started = time.perf_counter()
    render_digest(digest, texts, "nb", lambda key: content.name(key, "nb"), ZONE)
    rendered = time.perf_counter() - started
    cpu = time.process_time() - cpu
    peak = _peak_mib()
    return DigestTiming(stored, scope, digest.problems, query, built, rendered, peak, base, cpu)


def _child(conn: Connection, database_url: str, stored: int, scope: str, way: str) -> None:
    try:
        conn.send(("ok", _measure(database_url, stored, scope, way)))
    except Exception as error:  # reported by the parent
        conn.send(("error", f"{type(error).__name__}: {error}"))


def measure(
    database_url: str, stored: int, scope: str, limit: float = 600.0, way: str = "counts"
) -> DigestTiming:
    """Build one digest in a fresh process (killed after ``limit`` seconds).

    ``way`` is "counts" (as the bot builds it) or "records" (every record loaded: the oracle).
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_child, args=(child, database_url, stored, scope, way))
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
