"""Latency at a human pace: what a resident feels while 40 others answer at the same time.

R residents (default 40) start at once and each goes through the interview as a person would:
1–2 s of thinking (seeded, so runs are comparable) after the next question arrives, then the
next tap. Latency runs from queueing an update in the fake Bot API to the first message back to
that chat (a new message, or an edit of the question whose button was pressed; a late mark on an
earlier question is no answer); "question" columns run to the arrival of the next question
itself (for a tick among several groups, the edit). Measured in one run, against the same fake
(Telegram's limits off, so the echo bot, which does not pace, is never refused):

- the echo bot (bench/echo_bot.py), its residents sending as many texts at the same pace;
- ``innspill run`` exactly as it runs (paced to Telegram's limits), on SQLite and PostgreSQL;
- the same bot with Telegram's pacing lifted (bench/unpaced_bot.py), on SQLite: the bot's own
  work. The interview answers each tap with one new message and most presses with a mark too
  (an edit, sent when a slot is spare), so 40 residents ask for about 27 new messages a second,
  92 % of Telegram's cap, and ``innspill run``'s answers queue for it at times; the messages/s
  column shows what was sent (docs/BENCHMARKS.md).
"""

from dataclasses import dataclass
from pathlib import Path

from bench import throughput
from bench.bot_process import echo_bot_command, full_bot_command, unpaced_bot_command
from bench.fake_server import Pace
from bench.report import say, table, verdict
from bench.suite import Summary

RESIDENTS = 40
THINK = Pace(think_min=1.0, think_max=2.0)
WARMUP = Pace(think_min=1.0, think_max=1.2)  # long enough for every answer to arrive
P50_TO_ECHO = 2.0  # SQLite's p50 at most twice the echo bot's
P95_SQLITE = 0.100  # seconds
P95_POSTGRES = 0.150
FIRST_USER = 7_500_001
SQLITE = "innspill run, SQLite"
POSTGRES = "innspill run, PostgreSQL"
UNPACED = "full bot, pacing lifted, SQLite"
# Every resident's first step comes at the same instant: under Telegram's 30 messages a second
# at most about 3 of 40 can be answered within 100 ms, whatever the bot. The figures "after the
# start" leave that step out: what residents feel once the crowd is in the interview.
FIRST_STEP = "start"


@dataclass(frozen=True, slots=True)
class Latency:
    """One bot's latencies to the first answer, in seconds."""

    label: str
    run: throughput.BotRun

    @property
    def p50(self) -> float:
        """Return the median latency."""
        return self.run.result.percentile(50)

    @property
    def p95(self) -> float:
        """Return the 95th percentile latency."""
        return self.run.result.percentile(95)

    @property
    def worst(self) -> float:
        """Return the slowest answer."""
        return max(v for values in self.run.result.latencies.values() for v in values)


def measure_all(residents: int, workdir: Path, postgres: str | None) -> list[Latency]:
    """Measure the echo bot, then ``innspill run`` on SQLite (and PostgreSQL), at a human pace."""
    steps = len(throughput.interview_scripts(1, FIRST_USER)[0].steps)
    warmup_count = throughput.WARMUP_RESIDENTS
    echo = throughput.measure(
        "echo bot",
        echo_bot_command(),
        throughput.echo_scripts(residents, FIRST_USER, steps),
        throughput.echo_scripts(warmup_count, throughput.WARMUP_USER, steps),
        pace=THINK,
        warmup_pace=WARMUP,
    )
    runs = [Latency("echo bot", echo)]
    scripts = throughput.interview_scripts(residents, FIRST_USER)
    warmup = throughput.interview_scripts(warmup_count, throughput.WARMUP_USER)

    def one(label: str, command: list[str], url: str) -> Latency:
        run = throughput.measure(
            label, command, scripts, warmup, database_url=url, pace=THINK, warmup_pace=WARMUP
        )
        return Latency(label, run)

    runs.append(one(SQLITE, full_bot_command(), throughput.sqlite_url(workdir)))
    if postgres is not None:
        with throughput.postgres_database(postgres) as url:
            runs.append(one(POSTGRES, full_bot_command(), url))
    runs.append(one(UNPACED, unpaced_bot_command(), throughput.sqlite_url(workdir)))
    return runs


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _steps_table(runs: list[Latency]) -> list[str]:
    """Per interview step: p50 / p95 to the first answer, then to the next question."""
    steps = list(runs[0].run.result.latencies)
    rows = []
    for step in steps:
        row = [step]
        for r in runs:
            result = r.run.result
            first = f"{_ms(result.percentile(50, step))} / {_ms(result.percentile(95, step))}"
            asked = result.percentile(95, step, asked=True)
            row.append(f"{first} ({_ms(asked)})")
        rows.append(row)
    header = "step: p50 / p95 ms (p95 to the question)"
    return table([header, *(r.label for r in runs)], rows)


def run_latency(residents: int, work: Path, postgres: str | None) -> Summary:
    """The latency benchmark: print its table and return the rows of the targets summary."""
    say(
        f"\n## Latency at a human pace: {residents} residents at once, "
        f"{THINK.think_min:.0f}–{THINK.think_max:.0f} s between answers\n"
    )
    runs = measure_all(residents, work, postgres)
    echo = runs[0]
    header = [
        "bot",
        "updates",
        "p50 ms",
        "p95 ms",
        "max ms",
        "question p50 / p95 ms",
        "after the start p50 / p95 ms",
        "p50 / echo",
        "bot CPU ms/update",
        "updates/s",
        "messages/s",
    ]
    rows = [
        [
            r.label,
            str(r.run.result.updates),
            _ms(r.p50),
            _ms(r.p95),
            _ms(r.worst),
            f"{_ms(r.run.result.percentile(50, asked=True))} / "
            f"{_ms(r.run.result.percentile(95, asked=True))}",
            f"{_ms(r.run.result.percentile(50, skip=FIRST_STEP))} / "
            f"{_ms(r.run.result.percentile(95, skip=FIRST_STEP))}",
            f"{r.p50 / echo.p50:.1f}",
            f"{r.run.cpu_per_update_ms:.2f}",
            f"{r.run.result.per_second:.1f}",
            f"{r.run.result.messages / r.run.result.wall:.1f}",
        ]
        for r in runs
    ]
    for line in table(header, rows):
        say(line)
    say("")
    for line in _steps_table(runs[1:]):
        say(line)
    summary: Summary = []
    for r in runs[1:]:
        figure = f"p50 {_ms(r.p50)} ms ({r.p50 / echo.p50:.1f} × echo), p95 {_ms(r.p95)} ms"
        if r.label == UNPACED:
            summary.append((f"L {r.label}", figure, "(what the pacing leaves)", "see docs"))
            continue
        elif r.label == SQLITE:
            ok = r.p50 <= P50_TO_ECHO * echo.p50 and r.p95 <= P95_SQLITE
            target = f"p50 ≤ {P50_TO_ECHO:.0f} × echo, p95 ≤ {P95_SQLITE * 1000:.0f} ms"
        else:
            ok = r.p95 <= P95_POSTGRES
            target = f"p95 ≤ {P95_POSTGRES * 1000:.0f} ms"
        summary.append((f"L {r.label}", figure, target, verdict(ok)))
    return summary
