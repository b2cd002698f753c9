"""The weekly sums' cost on PostgreSQL: ``python -m bench.week_sums --database-url URL``.

``passes`` replays the passes of the year's overview one by one on one connection (parallel
workers off, as ``storage/together.py`` runs them) and prints the CPU time of PostgreSQL's
backend for each, counted from the problems and added up from the weekly sums (migration
0022). ``writes`` times saving problems one per transaction and a theme assignment batch, then
deletes what it wrote: run it on a copy before and after the migration. The database must run
on this machine (the backend's CPU is read from ``/proc``).
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlmodel import Session

import flows.problem
from bench.dataset import END
from flows.periods import previous
from flows.workspace import Filters, resolve_period, week_bounds
from storage import queries
from storage.engine import READ_SETTINGS_PG, make_engine
from storage.queries import tallies, weekly
from storage.together import _SIDE_BY_SIDE

ZONE = ZoneInfo("Europe/Oslo")
YEAR = Filters(period="year")


def _backend_cpu(session: Session) -> float:
    """Return the CPU seconds this session's PostgreSQL backend has used."""
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _passes(summed: bool) -> dict[str, Callable[[Session], Any]]:
    period = resolve_period(YEAR, END, ZONE)
    assert period is not None
    earlier = previous(period, ZONE)
    bounds = week_bounds(END, ZONE)

    def weeks(s: Session) -> weekly.Weeks | None:
        return weekly.weeks_of(s, YEAR, period, summed=summed)

    return {
        "theme sums": lambda s: tallies._theme_rows(s, YEAR, period, weeks(s)),
        "group lists per theme": lambda s: tallies._theme_group_sets(s, YEAR, period, weeks(s)),
        "segments": lambda s: tallies._segments(s, YEAR, period, weeks(s)),
        "distinct per theme + year before": lambda s: tallies._theme_distinct(
            s, YEAR, period, earlier
        ),
        "people, both years": lambda s: tallies._people(s, YEAR, period, earlier),
        "endorsements per theme": lambda s: tallies._theme_endorsements(s, YEAR, period),
        "12 weeks": lambda s: queries.week_counts(session=s, filters=YEAR, bounds=bounds),
    }


def passes(engine: Engine, repeat: int) -> None:
    """Print each pass's backend CPU (median of ``repeat``), counted and summed."""
    print("| pass | counted ms | summed ms |\n|---|---|---|")  # noqa: T201
    totals = [0.0, 0.0]
    with Session(engine) as session, session.begin():
        session.execute(text(READ_SETTINGS_PG))
        session.execute(text(_SIDE_BY_SIDE))
        counted, summed = _passes(False), _passes(True)
        for name in counted:
            cells = []
            for i, part in enumerate((counted[name], summed[name])):
                spent = []
                for _ in range(repeat):
                    before = _backend_cpu(session)
                    part(session)
                    spent.append(_backend_cpu(session) - before)
                cells.append(statistics.median(spent) * 1000)
                totals[i] += cells[-1]
            print(f"| {name} | {cells[0]:.0f} | {cells[1]:.0f} |")  # noqa: T201
    print(f"| **total** | **{totals[0]:.0f}** | **{totals[1]:.0f}** |")  # noqa: T201


def _cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def writes(engine: Engine, count: int) -> None:
    """Time ``count`` saves, one per transaction, and one theme batch of as many; then undo.

    Wall time, and the CPU time of the one backend that ran them all (the pool reuses it).
    """
    draft = flows.problem.Problem(
        text="Bussen kommer for sjelden", language="nb", groups=["senior"], area="biri"
    )
    ids: list[int] = []
    with Session(engine) as session:
        pid = int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def save() -> None:
        for n in range(count):
            with Session(engine) as session, session.begin():
                ids.append(
                    queries.add_problem(
                        session=session,
                        resident_id=None,
                        problem=draft,
                        source="telegram",
                        now=END - timedelta(minutes=n),
                    )
                )

    def theme() -> None:
        with Session(engine) as session, session.begin():
            queries.set_problem_themes(session=session, themes={i: 1 + i % 300 for i in ids})

    def delete() -> None:
        with Session(engine) as session, session.begin():
            session.execute(text("DELETE FROM problem WHERE id = ANY(:ids)"), {"ids": ids})

    figures = []
    for step in (save, theme, delete):
        cpu, started = _cpu_of(pid), time.perf_counter()
        step()
        figures.append(((time.perf_counter() - started) * 1000, (_cpu_of(pid) - cpu) * 1000))
    with Session(engine) as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
    (save_ms, save_cpu), (theme_ms, theme_cpu), (delete_ms, delete_cpu) = figures
    print(  # noqa: T201
        f"{count} saves: {save_ms / count:.2f} ms each ({save_cpu / count:.2f} ms backend CPU); "
        f"theme batch of {count}: {theme_ms:.0f} ms ({theme_cpu:.0f}); "
        f"deleting them: {delete_ms:.0f} ms ({delete_cpu:.0f})"
    )


def main() -> None:
    """Replay the year's passes or time the writes."""
    parser = argparse.ArgumentParser(prog="python -m bench.week_sums", description=__doc__)
    parser.add_argument("what", choices=("passes", "writes"))
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--count", type=int, default=500)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    if args.what == "passes":
        passes(engine, args.repeat)
    else:
        writes(engine, args.count)
    engine.dispose()


if __name__ == "__main__":
    main()
