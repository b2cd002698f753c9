"""Run Innspill's benchmarks: ``make bench`` (about 15 minutes) or ``--quick`` (about 3).

Everything runs on this machine: the fake Bot API on 127.0.0.1 in a process of its own, each
bot in a process of its own, SQLite files in a temporary directory and, when reachable, fresh
PostgreSQL databases that are dropped afterwards. Figures that compare bots are measured in the
same run; the machine, date, versions and command are printed first. See docs/BENCHMARKS.md.
"""

import argparse
import shlex
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import throughput
from bench.fanout import run_fanout
from bench.latency import RESIDENTS, run_latency
from bench.profile import find_py_spy
from bench.report import code_version, machine_lines, say, table
from bench.suite import (
    Plan,
    Summary,
    run_digest,
    run_memory,
    run_themes,
    run_throughput,
)

BENCHMARKS = ("throughput", "latency", "fanout", "digest", "memory", "themes")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(part.replace("_", "")) for part in text.split(",") if part))


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Read the options."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (~3 min)")
    parser.add_argument(
        "--only", action="append", choices=BENCHMARKS, help="run only these (repeatable)"
    )
    parser.add_argument("--residents", type=int, help="residents at once (default 200; quick 30)")
    parser.add_argument(
        "--paced-residents",
        type=int,
        default=RESIDENTS,
        help=f"residents at a human pace, for latency (default {RESIDENTS})",
    )
    parser.add_argument("--rounds", type=int, help="echo/full rounds (default 2; quick 1)")
    parser.add_argument(
        "--sizes", type=_sizes, help="stored problems for the digest, e.g. 10000,100000"
    )
    parser.add_argument("--memory-problems", type=int, help="problems stored for memory")
    parser.add_argument("--fanout", type=int, help="follow-ups to send (default 1000)")
    parser.add_argument("--digests", type=int, help="digests to send (default 200)")
    parser.add_argument("--postgres", default=POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--no-profile", action="store_true", help="never run py-spy")
    parser.add_argument("--py-spy", help="py-spy executable (default: from PATH)")
    parser.add_argument("--workdir", type=Path, help="where the temporary databases go")
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    """Fill in the defaults of a full or a quick run."""
    quick = args.quick
    return Plan(
        residents=args.residents or (30 if quick else 200),
        rounds=args.rounds or (1 if quick else 2),
        sizes=args.sizes or ((10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)),
        memory_problems=args.memory_problems or (100_000 if quick else 1_000_000),
        themes_cost=not quick,
        fanout=args.fanout or (200 if quick else 1_000),
        digests=args.digests or (60 if quick else 200),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks and print a summary of targets."""
    args = parse(argv)
    plan = make_plan(args)
    chosen = args.only or list(BENCHMARKS)
    postgres = None if args.no_postgres else args.postgres
    version = throughput.postgres_version(postgres) if postgres else None
    if postgres and version is None:
        postgres = None
    command = shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None else argv)])
    extra = [
        f"postgres: {version or 'not used'}",
        f"code:     {code_version()}",
        f"plan:     {plan}",
    ]
    say("# Innspill benchmarks\n")
    for line in machine_lines(command, extra):
        say(line)
    py_spy = None if args.no_profile else find_py_spy(args.py_spy)
    summary: Summary = []
    with tempfile.TemporaryDirectory(prefix="innspill-bench-", dir=args.workdir) as name:
        work = Path(name)
        if "throughput" in chosen:
            summary += run_throughput(plan, work, postgres, py_spy)
        if "latency" in chosen:
            summary += run_latency(args.paced_residents, work, postgres)
        if "fanout" in chosen:
            summary += run_fanout(plan, work)
        if "digest" in chosen:
            summary += run_digest(plan, work)
        if "memory" in chosen:
            summary += run_memory(plan, work)
    if "themes" in chosen:
        summary += run_themes(plan)
    say("\n## Targets\n")
    for line in table(["benchmark", "measured", "target", "verdict"], summary):
        say(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
