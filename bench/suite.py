"""The benchmark sections of ``python -m bench``: each runs, prints its tables and returns the
rows of the targets summary."""

import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import digest_build, memory, throughput
from bench.dataset import ENDORSED_EVERY, THEMED, THEMES, grow, municipal
from bench.fake_server import RunResult
from bench.limits import PER_SECOND
from bench.report import say, table, verdict

Summary = list[tuple[str, str, str, str]]  # benchmark, figure, target, verdict
CPU_BOUND = 0.7  # a bot busier than this is limited by its own work: worth profiling
# Paced, 30 residents already keep the bot at Telegram's cap; more only lengthen the queue.
PACED_RESIDENTS = 100


@dataclass(frozen=True, slots=True)
class Plan:
    """How big each benchmark is."""

    residents: int
    rounds: int
    sizes: tuple[int, ...]
    memory_problems: int
    themes_cost: bool
    fanout: int  # follow-ups sent to as many chats
    digests: int  # staff owed the weekly digest


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def _run_row(run: throughput.BotRun, echo: float) -> list[str]:
    result = run.result
    return [
        run.label,
        str(result.updates),
        f"{result.per_second:.0f}",
        _ms(result.percentile(50)),
        _ms(result.percentile(95)),
        f"{run.cpu_per_update_ms:.2f}",
        f"{run.bot_cpu / result.wall:.0%}",
        f"{result.fake_cpu / result.wall:.0%}",
        f"{run.idle_kib / 1024:.0f} / {run.peak_kib / 1024:.0f}",
        f"{result.per_second / echo:.2f}",
    ]


_RUN_HEADER = (
    "bot",
    "updates",
    "updates/s",
    "p50 ms",
    "p95 ms",
    "bot CPU ms/update",
    "bot CPU busy",
    "fake CPU busy",
    "MiB idle / peak",
    "ratio to echo",
)


def _steps_table(runs: Sequence[throughput.BotRun]) -> list[str]:
    full = [run for run in runs if run.label != "echo bot"]
    steps = list(full[0].result.latencies)
    rows = [
        [step]
        + [
            f"{_ms(r.result.percentile(50, step))} / {_ms(r.result.percentile(95, step))}"
            for r in full
        ]
        for step in steps
    ]
    return table(["step (p50 / p95 ms)", *(r.label for r in full)], rows)


def run_throughput(plan: Plan, work: Path, postgres: str | None, py_spy: str | None) -> Summary:
    """Benchmarks 1 and 2; profile the full bot when it misses the target."""
    say(f"\n## Throughput: {plan.residents} residents at once, {plan.rounds} round(s)\n")
    ratios: dict[str, list[float]] = {}
    for number in range(1, plan.rounds + 1):
        runs = throughput.run_round(plan.residents, work, postgres)
        echo = runs[0].result.per_second
        say(f"round {number}:")
        for line in table(_RUN_HEADER, [_run_row(run, echo) for run in runs]):
            say(line)
        for run in runs[1:]:
            ratios.setdefault(run.label, []).append(run.result.per_second / echo)
    summary: Summary = []
    for label, values in ratios.items():
        ratio = statistics.median(values)
        shown = ", ".join(f"{value:.2f}" for value in values)
        ok = ratio >= throughput.TARGET_RATIO
        summary.append((f"1/2 {label}", f"ratio {ratio:.2f} ({shown})", "≥ 0.6", verdict(ok)))
    if any(row[3] != "met" for row in summary):
        _profile(plan, work, py_spy, runs[1])
    paced = throughput.run_paced(min(plan.residents, PACED_RESIDENTS), work)
    _paced_table(paced, runs[0].result.per_second)
    say()
    for line in _steps_table([*runs[1:], paced]):
        say(line)
    messages = paced.result.messages / paced.result.wall
    figure = (
        f"{messages:.1f} messages/s ({messages / PER_SECOND:.0%} of the cap), "
        f"{paced.result.per_second:.0f} updates/s; {paced.result.refused} × 429, "
        f"{paced.flood_waits} waited out"
    )
    summary.append(("1 innspill run (paced), SQLite", figure, "≥ 0.6 × echo", "capped by design"))
    return summary


def _paced_table(paced: throughput.BotRun, echo: float) -> None:
    result = paced.result
    say(
        f"\n### innspill run as it runs: paced, the fake refusing what Telegram would "
        f"({_size(result)})\n"
    )
    header = [
        "bot",
        "updates/s",
        "messages/s",
        "of the cap",
        "429s answered / waited out",
        "p50 ms",
        "p95 ms",
        "bot CPU busy",
        "ratio to echo",
    ]
    messages = result.messages / result.wall
    row = [
        paced.label,
        f"{result.per_second:.1f}",
        f"{messages:.1f}",
        f"{messages / PER_SECOND:.0%}",
        f"{result.refused} / {paced.flood_waits}",
        _ms(result.percentile(50)),
        _ms(result.percentile(95)),
        f"{paced.bot_cpu / result.wall:.0%}",
        f"{result.per_second / echo:.2f}",
    ]
    for line in table(header, [row]):
        say(line)


def _size(result: RunResult) -> str:
    return f"{result.updates:,} updates, {result.messages:,} messages in {result.wall:.0f} s"


def _profile(plan: Plan, work: Path, py_spy: str | None, full: throughput.BotRun) -> None:
    busy = full.bot_cpu / full.result.wall
    if busy < CPU_BOUND:
        say(
            f"\nthe full bot was not CPU-bound ({busy:.0%} busy): something other than its "
            "work sets its rate (e.g. pacing of sends); a profile would not say what"
        )
        return
    if py_spy is None:
        say("\nthe target is missed; py-spy (not found, or --no-profile) would show why")
        return
    say(f"\nwhere the full bot's time goes (py-spy --gil, SQLite, {plan.residents} residents):")
    run, lines = throughput.profile_full(plan.residents, work, py_spy)
    say(f"(under py-spy: {run.result.per_second:.0f} updates/s)")
    for line in lines:
        say(line)


def run_digest(plan: Plan, work: Path) -> Summary:
    """Benchmark 3 at each size; the database grows from one size to the next."""
    say("\n## Digest: query + build + render, each in a fresh process\n")
    # A database of its own: themes and endorsements as a municipality's (the memory benchmark
    # measures the bot on problems without them).
    url = f"sqlite:///{work / 'digest.db'}"
    rows, summary = [], []
    for size in plan.sizes:
        grown = municipal(url, size)
        say(
            f"generating up to {size:,} problems ({THEMES} themes over {THEMED:.0%} of them, "
            f"an endorsement per {ENDORSED_EVERY}): {grown:.0f}s"
        )
        for scope in ("week", "all"):
            try:
                t = digest_build.measure(url, size, scope)
            except (RuntimeError, TimeoutError) as error:
                reason = str(error).splitlines()[0][:160]  # the SQL of an error can be huge
                rows.append([f"{size:,}", scope, "failed", reason, "", "", "", ""])
                if size == 1_000_000:
                    summary.append((f"3 digest, 1M, {scope}", "failed", "≤ 5 s", "MISSED"))
                continue
            rows.append(
                [
                    f"{size:,}",
                    scope,
                    f"{t.problems:,}",
                    f"{t.query:.2f}",
                    f"{t.build:.2f}",
                    f"{t.render * 1000:.1f}",
                    f"{t.total:.2f}",
                    f"{t.base_mib:.0f} / {t.peak_mib:.0f}",
                ]
            )
            if size == 1_000_000:
                target = f"≤ {digest_build.TARGET_SECONDS:.0f} s"
                ok = t.total <= digest_build.TARGET_SECONDS
                summary.append((f"3 digest, 1M, {scope}", f"{t.total:.1f} s", target, verdict(ok)))
    header = [
        "stored",
        "period",
        "in digest",
        "query s",
        "build s",
        "render ms",
        "total s",
        "MiB before / peak",
    ]
    for line in table(header, rows):
        say(line)
    return summary or [("3 digest, 1M", "not run at 1M (--quick)", "≤ 5 s", "not measured")]


def run_memory(plan: Plan, work: Path) -> Summary:
    """Benchmark 5: the bot on a database with ``memory_problems`` stored."""
    stored = plan.memory_problems
    second = max(plan.residents // 2, 1)
    say(
        f"\n## Memory: innspill run, {stored:,} problems stored, {plan.residents} + {second} "
        "residents\n"
    )
    url = f"sqlite:///{work / 'stored.db'}"
    say(f"generating up to {stored:,} problems: {grow(url, stored):.0f}s")
    m = memory.measure(url, stored, plan.residents)
    header = ["stored", "RSS idle", "after 1st burst", "after 2nd", "VmHWM", "updates/s cold"]
    row = [
        f"{stored:,}",
        f"{m.idle:.0f}",
        f"{m.first_burst:.0f}",
        f"{m.second_burst:.0f}",
        f"{m.peak:.0f}",
        f"{m.per_second:.0f}",
    ]
    for line in table(header, [row]):
        say(line)
    if m.failures:
        say(f"\n{len(m.failures)} residents stopped early; first: {m.failures[0][:300]}")
    echo = memory.echo_peak(plan.residents)
    say(f"\necho bot, the same residents' updates: VmHWM {echo:.0f} MiB")
    limit = echo + memory.ALLOWANCE_MIB
    figure = f"VmHWM {m.peak:.0f} MiB ({stored:,} stored; echo bot {echo:.0f})"
    target = f"≤ echo + {memory.ALLOWANCE_MIB:.0f} = {limit:.0f} MiB"
    return [("5 memory", figure, target, verdict(m.peak <= limit))]


def run_themes(plan: Plan) -> Summary:
    """The themes quality benchmark (bench/themes_quality.py), as its own process."""
    say("\n## Themes: quality and assignment cost (bench.themes_quality)\n")
    command = [sys.executable, "-m", "bench.themes_quality"]
    if not plan.themes_cost:
        command.append("--no-cost")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        say("stopped after 900 s")
        return [("3 themes", "stopped after 900 s", "assignment cost flat", "not measured")]
    for line in (done.stdout + done.stderr).splitlines():
        say(line)
    figure = "see above" if done.returncode == 0 else f"failed ({done.returncode})"
    return [("3 themes", figure, "assignment cost flat", "see docs")]
