"""What Prometheus reads: counters of the bot's work, and the backlogs waiting in the database.

The counters live in this process (or, with ``PROMETHEUS_MULTIPROC_DIR`` set before the first
import, in files there that every worker writes and ``/metrics`` sums). Backlogs are read from
the database at each scrape, so any worker reports the same, whole numbers.
"""

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event

from flows.interview import REPORTING
from flows.state import InterviewState
from storage import queries
from storage.engine import session_scope

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
if _shared := os.environ.get(MULTIPROC_ENV):
    # The metrics below write their files there as they are made: the directory must exist.
    Path(_shared).mkdir(parents=True, exist_ok=True)

UPDATES = Counter(
    "innspill_updates", "Telegram updates handled, by kind and outcome.", ["kind", "outcome"]
)
UPDATE_SECONDS = Histogram(
    "innspill_update_seconds", "Seconds to handle one update.", ["kind"], buckets=LATENCY_BUCKETS
)
MESSAGES_SENT = Counter(
    "innspill_messages_sent", "Messages, files and edits Telegram accepted, by method.", ["method"]
)
FLOOD_WAITS = Counter("innspill_flood_waits", "Telegram 429 answers waited out (retry_after).")
RETRIES = Counter(
    "innspill_telegram_retries", "Requests retried after a 5xx or network error.", ["error"]
)
PROBLEMS_SAVED = Counter("innspill_problems_saved", "Problems stored, by source.", ["source"])
INTERVIEWS = Counter(
    "innspill_interviews",
    "Interviews started, finished (a problem saved) or abandoned (cancelled, erased).",
    ["event"],
)
DATABASE_ERRORS = Counter(
    "innspill_database_errors", "Database errors, by kind (disconnect or error).", ["kind"]
)
for _event in ("started", "finished", "abandoned"):
    INTERVIEWS.labels(_event)  # present from the start at 0, so rate() and alerts work at once


def interview_event(before: InterviewState, after: InterviewState, saved: bool) -> str | None:
    """Name what one turn did to the resident's interview, if anything."""
    was, now = _reporting(before), _reporting(after)
    if saved:
        return "finished"
    if now and not was:
        return "started"
    if was and not now:
        return "abandoned"
    return None


def _reporting(state: InterviewState) -> bool:
    # /language and a renewed consent pause a report; it goes on after them.
    return state.step in REPORTING or state.paused_at in REPORTING


def count_sent(method: str) -> None:
    """Count a request Telegram accepted if it sent or edited a message."""
    if method.startswith(("send", "edit")):
        MESSAGES_SENT.labels(method).inc()


def count_turn(source: str, event_name: str | None, saved: bool) -> None:
    """Count a committed turn: a problem saved, an interview started, finished or abandoned."""
    if saved:
        PROBLEMS_SAVED.labels(source).inc()
    if event_name is not None:
        INTERVIEWS.labels(event_name).inc()


def watch_engine(engine: Engine) -> None:
    """Count every error the database driver raises on ``engine``."""

    def on_error(context: Any) -> None:
        DATABASE_ERRORS.labels("disconnect" if context.is_disconnect else "error").inc()

    event.listen(engine, "handle_error", on_error)


class Backlogs(Collector):
    """Read the outbox and theme backlogs from the database at each scrape."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        self.clock = clock or (lambda: datetime.now(UTC))

    def collect(self) -> Iterable[Metric]:
        """Yield the backlog gauges (nothing when the database does not answer)."""
        unsent = GaugeMetricFamily(
            "innspill_outbox_backlog", "Queued messages not sent yet, by kind.", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            "innspill_outbox_oldest_due_seconds",
            "How long the oldest due, unsent message has waited, by kind.",
            labels=["kind"],
        )
        themes = GaugeMetricFamily(
            "innspill_theme_backlog", "Problems the theme assigner has not seen yet."
        )
        try:
            with session_scope(self.engine) as session:
                backlogs = queries.outbox_backlog(session=session, now=self.clock())
                themes.add_metric([], queries.theme_backlog(session=session))
        except Exception:  # counted by watch_engine; /readyz says what is wrong
            return
        for backlog in backlogs:
            unsent.add_metric([backlog.kind], backlog.unsent)
            oldest.add_metric([backlog.kind], backlog.oldest_due_seconds)
        yield from (unsent, oldest, themes)


def exposition(backlogs: Collector) -> bytes:
    """Return every metric in Prometheus' text format: all workers' counters and the backlogs."""
    own = CollectorRegistry(auto_describe=False)
    own.register(backlogs)
    if os.environ.get(MULTIPROC_ENV):
        counters = CollectorRegistry()
        MultiProcessCollector(counters)  # type: ignore[no-untyped-call]
        return generate_latest(counters) + generate_latest(own)
    return generate_latest(REGISTRY) + generate_latest(own)


@contextlib.contextmanager
def shared_counters() -> Iterator[Path]:
    """Point PROMETHEUS_MULTIPROC_DIR at an empty directory for the workers to share.

    An operator's directory is emptied first (counters restart with the service, as Prometheus
    expects); without one, a temporary directory is made and removed afterwards.
    """
    chosen = os.environ.get(MULTIPROC_ENV)
    if chosen:
        directory = Path(chosen)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix="innspill-metrics-") as made:
        os.environ[MULTIPROC_ENV] = made
        try:
            yield Path(made)
        finally:
            del os.environ[MULTIPROC_ENV]
