"""Benchmarks 1 and 2: updates per second and latency of the full bot against a bare echo bot.

Residents arrive all at once, as after a workshop announcement, and each goes through the
whole interview as fast as the bot answers (a closed loop: one update in flight per resident).
The echo bot gets as many residents, each sending three times as many texts. Both long-poll
the same fake Bot API, which runs in a process of its own; each bot runs in one of its own too.

``innspill run`` paces its sends to Telegram's cap (30 messages/s), so it is measured twice: with
pacing lifted (bench/unpaced_bot.py: the bot's capacity, compared with the echo bot, which does
not pace) and as it runs, against a fake that refuses what Telegram would refuse (429).
"""

import functools
import itertools
import os
import random
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from bench.bot_process import (
    BotProcess,
    echo_bot_command,
    full_bot_command,
    unpaced_bot_command,
)
from bench.fake_server import FakeServer, Pace, RunResult, Script, Step
from bench.profile import PySpy, summarise
from bot.content_files import load_content
from flows.language import detect_language
from flows.solution import looks_like_solution

PROBLEMS = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes_labelled.tsv"
TARGET_RATIO = 0.6
WARMUP_RESIDENTS = 5
# Echo residents send this many times the interview's updates: an echo run of the same size
# lasts a few seconds only, too short to measure on a shared machine.
ECHO_FACTOR = 3
FIRST_USER = 7_000_001
CAPACITY = "full bot, pacing lifted"
FLOOD = "flood control"  # what bot.telegram.delivery logs for each 429 it waits out
WARMUP_USER = 9_000_001
_databases = itertools.count(1)


@dataclass(frozen=True, slots=True)
class BotRun:
    """One bot under load: what the fake measured, and the bot process's own figures."""

    label: str
    result: RunResult
    bot_cpu: float  # CPU seconds of the bot process during the measured run
    peak_kib: int  # VmHWM of the bot process at the end of the run
    idle_kib: int  # VmHWM once the bot polls, before the first update
    flood_waits: int = 0  # 429s the bot logged waiting out ("flood control")

    @property
    def cpu_per_update_ms(self) -> float:
        """Return the bot's CPU milliseconds per update."""
        return 1000 * self.bot_cpu / max(self.result.updates, 1)


@functools.cache  # language detection of every text with every hint takes seconds
def problem_texts() -> tuple[tuple[str, str], ...]:
    """Return (language, text) of realistic problems that the bot takes as problems."""
    # The bot detects the language with the resident's interview language as the hint, which
    # may differ from the text's own: keep only texts that read as problems with any hint.
    hints = (None, *load_content().languages)
    found = []
    for line in PROBLEMS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            _, language, text = line.split("\t")
            detected = {detect_language(text, hint=hint) for hint in (language, *hints)}
            if not any(looks_like_solution(text, each) for each in detected):
                found.append((language, text))
    return tuple(found)


def interview_scripts(count: int, first_user: int, seed: int = 7) -> list[Script]:
    """Return ``count`` residents, each doing the whole interview with buttons."""
    rng = random.Random(seed)
    content = load_content()
    texts = problem_texts()
    scripts = []
    for user_id in range(first_user, first_user + count):
        language, text = rng.choice(texts)
        # A press is answered by editing its question (the choice shown) and, but for a choice
        # among several groups, by asking the next one. Each step asks with one new message
        # (since 2026-11-28: the welcome opens the consent question, the thanks for saving
        # opens "hear back?"); at a human pace a resident reads on to the question with
        # buttons, so the same script measures the bot from before, which sent two.
        steps = (
            Step("start", "command", "/start", until_buttons=True),  # welcome + consent
            Step("consent", "press", "consent:yes", 2),
            Step("problem", "text", text),
            Step("frequency", "press", f"frequency:{rng.choice(content.frequencies).key}", 2),
            Step("severity", "press", f"severity:{rng.randint(1, 5)}", 2),
            Step("group", "press", f"groups:{rng.choice(content.groups[:-1]).key}", asks=0),
            Step("groups_done", "press", "groups:done", 2),
            Step("area", "press", f"area:{rng.choice(content.areas).key}", 2),
            # The review card marked confirmed, and "saved" with "hear back?" in one message.
            Step("confirm", "press", "review:confirm", 2, until_buttons=True),
        )
        scripts.append(Script(user_id, language, steps))
    return scripts


def echo_scripts(count: int, first_user: int, steps: int, seed: int = 7) -> list[Script]:
    """Return ``count`` residents, each sending ``steps`` texts to the echo bot."""
    rng = random.Random(seed)
    texts = problem_texts()
    scripts = []
    for user_id in range(first_user, first_user + count):
        picked = [rng.choice(texts) for _ in range(steps)]
        echoes = tuple(Step("echo", "text", text) for _, text in picked)
        scripts.append(Script(user_id, picked[0][0], echoes))
    return scripts


def wait_ready(fake: FakeServer, bot: BotProcess, limit: float = 60.0) -> None:
    """Return once the bot long-polls the fake; raise if the bot exits first."""
    deadline = time.monotonic() + limit
    while True:
        try:
            fake.wait_polling(2.0)
            return
        except RuntimeError:
            bot.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not start polling within {limit:.0f}s") from None


def measure(
    label: str,
    command: list[str],
    scripts: Sequence[Script],
    warmup: Sequence[Script],
    *,
    database_url: str = "",
    timeout: float = 60.0,
    py_spy: tuple[str, Path] | None = None,
    limits: bool = False,
    pace: Pace | None = None,
    warmup_pace: Pace | None = None,
) -> BotRun:
    """Start a fake and a bot, warm the bot up, then run ``scripts`` against it.

    With ``py_spy`` (executable, output file) the measured run is sampled by py-spy; with
    ``limits`` the fake refuses messages beyond Telegram's send limits; with ``pace`` the
    residents think between answers (bench/fake_server.py).
    """
    with (
        FakeServer(limits=limits) as fake,
        BotProcess(
            command, api_url=fake.base_url, token=fake.token, database_url=database_url
        ) as bot,
    ):
        wait_ready(fake, bot)
        idle = bot.memory_kib()["VmHWM"]
        # First imports, caches, language profiles: not measured.
        _checked(f"{label} (warm-up)", fake.run(warmup, timeout, pace=warmup_pace), bot)
        cpu, waits = bot.cpu_seconds(), bot.log_text().count(FLOOD)
        if py_spy is None:
            result = fake.run(scripts, timeout, pace=pace)
        else:
            with PySpy(py_spy[0], bot.pid, py_spy[1]):
                result = fake.run(scripts, timeout, pace=pace)
        cpu = bot.cpu_seconds() - cpu
        peak = bot.memory_kib()["VmHWM"]
        _checked(label, result, bot)
        waits = bot.log_text().count(FLOOD) - waits
    return BotRun(label, result, cpu, peak, idle, waits)


def _checked(label: str, result: RunResult, bot: BotProcess) -> RunResult:
    bot.check_alive()
    if result.failures:
        raise RuntimeError(
            f"{label}: {len(result.failures)} residents failed; first:\n"
            f"{result.failures[0]}\nbot log:\n{bot.log_tail()}"
        )
    return result


def sqlite_url(directory: Path) -> str:
    """Return the URL of a fresh SQLite file in ``directory``."""
    return f"sqlite:///{directory / f'bench-{next(_databases)}.db'}"


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """Create a fresh PostgreSQL database on ``server``; drop it afterwards.

    A database named in ``server``'s URL is the prefix of the name ("…/f_bench" makes
    "f_bench_<pid>_1"), for a server shared by several people.
    """
    url = make_url(server)
    name = f"{url.database or 'innspill_bench'}_{os.getpid()}_{next(_databases)}"
    admin = url.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a name we made: no injection
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version(server: str) -> str | None:
    """Return the server's version, or None if it cannot be reached."""
    admin = make_url(server).set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), connect_timeout=5) as c:
            row = c.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError:
        return None
    return str(row[0]) if row else None


def run_round(residents: int, workdir: Path, postgres: str | None) -> list[BotRun]:
    """Measure the echo bot, then the full bot with pacing lifted on SQLite and PostgreSQL."""
    steps = len(interview_scripts(1, FIRST_USER)[0].steps)
    runs = [
        measure(
            "echo bot",
            echo_bot_command(),
            echo_scripts(residents, FIRST_USER, steps * ECHO_FACTOR),
            echo_scripts(WARMUP_RESIDENTS, WARMUP_USER, steps),
        )
    ]
    scripts = interview_scripts(residents, FIRST_USER)
    warmup = interview_scripts(WARMUP_RESIDENTS, WARMUP_USER)
    full = unpaced_bot_command()
    url = sqlite_url(workdir)
    runs.append(measure(f"{CAPACITY}, SQLite", full, scripts, warmup, database_url=url))
    if postgres is not None:
        with postgres_database(postgres) as url:
            runs.append(
                measure(f"{CAPACITY}, PostgreSQL", full, scripts, warmup, database_url=url)
            )
    return runs


def run_paced(residents: int, workdir: Path) -> BotRun:
    """Measure ``innspill run`` as it is (paced) on SQLite, against a fake enforcing limits."""
    return measure(
        "innspill run (paced), SQLite",
        full_bot_command(),
        interview_scripts(residents, FIRST_USER),
        interview_scripts(WARMUP_RESIDENTS, WARMUP_USER),
        database_url=sqlite_url(workdir),
        limits=True,
    )


def profile_full(
    residents: int, workdir: Path, py_spy: str, database_url: str | None = None
) -> tuple[BotRun, list[str]]:
    """Run the full bot (pacing lifted) under py-spy; return the run and where its time went."""
    raw = workdir / "py-spy.txt"
    run = measure(
        "full bot under py-spy",
        unpaced_bot_command(),
        interview_scripts(residents, FIRST_USER),
        interview_scripts(WARMUP_RESIDENTS, WARMUP_USER),
        database_url=database_url or sqlite_url(workdir),
        py_spy=(py_spy, raw),
    )
    return run, summarise(raw)
