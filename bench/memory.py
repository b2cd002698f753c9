"""Benchmark 5: peak memory (VmHWM) of ``innspill run`` with many problems stored.

The bot starts cold on a database that already holds the problems, serves a burst of residents
doing the whole interview and then a second burst half as big, and its /proc/<pid>/status is
read after each: a second burst that still grows the resident set would point at a leak rather
than at a one-off cost.
"""

from dataclasses import dataclass

from bench.bot_process import BotProcess, echo_bot_command, full_bot_command
from bench.fake_server import FakeServer
from bench.throughput import FIRST_USER, echo_scripts, interview_scripts, wait_ready
from bench.throughput import measure as measure_bot

# Issue 17: the bot's peak may exceed the echo bot's (measured in the same run) by this much.
ALLOWANCE_MIB = 60.0
KIB = 1024


@dataclass(frozen=True, slots=True)
class MemoryRun:
    """The bot's memory at each stage, in MiB."""

    stored: int
    idle: float  # VmRSS once polling, before any update
    first_burst: float  # VmRSS after the first burst
    second_burst: float  # VmRSS after the second
    peak: float  # VmHWM at the end
    updates: int
    per_second: float  # updates per second in the first (cold) burst
    failures: tuple[str, ...] = ()  # residents who got an answer they did not expect


def measure(database_url: str, stored: int, residents: int) -> MemoryRun:
    """Run the bot on ``database_url`` through ``residents`` interviews, then half as many."""
    with (
        FakeServer() as fake,
        BotProcess(
            full_bot_command(), api_url=fake.base_url, token=fake.token, database_url=database_url
        ) as bot,
    ):
        wait_ready(fake, bot)
        idle = bot.memory_kib()["VmRSS"]
        first = fake.run(interview_scripts(residents, FIRST_USER))
        after_first = bot.memory_kib()["VmRSS"]
        second = fake.run(interview_scripts(max(residents // 2, 1), FIRST_USER + residents))
        end = bot.memory_kib()
        bot.check_alive()
    # A resident who stopped early does not make the memory figures wrong: report, go on.
    return MemoryRun(
        stored,
        idle / KIB,
        after_first / KIB,
        end["VmRSS"] / KIB,
        end["VmHWM"] / KIB,
        first.updates + second.updates,
        first.per_second,
        tuple(first.failures + second.failures),
    )


def echo_peak(residents: int) -> float:
    """Return the echo bot's peak (VmHWM, MiB) after the same number of residents' updates."""
    steps = len(interview_scripts(1, FIRST_USER)[0].steps)
    run = measure_bot(
        "echo bot",
        echo_bot_command(),
        echo_scripts(residents, FIRST_USER, steps),
        echo_scripts(max(residents // 2, 1), FIRST_USER + residents, steps),
    )
    return run.peak_kib / KIB
