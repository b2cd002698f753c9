"""Benchmark 4: fan-out of 1,000 follow-ups or digests, against Telegram's 30 messages/s cap.

The fake Bot API runs in its own process with Telegram's send limits switched on
(bench/limits.py: 429 with ``retry_after`` beyond 30 messages in any second, or beyond one per
second sustained in one chat). The sender (bench/fanout_sender.py) is a process of its own
that uses the bot's real ``Delivery`` and ``Pacer``. The fake counts what each chat received,
so a lost or doubled message shows, and every 429 it answered is set against the retries the
sender logged.
"""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.bot_process import REPO
from bench.fake_server import FakeServer, Tally
from bench.limits import PER_SECOND as CAP
from bench.report import say, table, verdict
from bench.suite import Plan, Summary

FIRST_CHAT = 8_000_001  # the chats the sender writes to: FIRST_CHAT, FIRST_CHAT + 1, ...
TARGET = 28.0  # messages per second
LIMIT = 1_800.0  # seconds one sender may take
# Stored problems for the digests: about 100 in the week, so each digest is a text, a chart
# and a spreadsheet (3 messages), as on a real Monday.
DIGEST_PROBLEMS = 10_000
WHAT_IF_CONCURRENCY = 32


@dataclass(frozen=True, slots=True)
class Sent:
    """What the sender did (its process prints this as JSON)."""

    owed: int  # messages or digests it had to send
    sent: int  # ... and sent (Delivery or the outbox reported success)
    parts: int  # messages per chat
    wall: float  # seconds from the first send to the last success
    cpu: float  # CPU seconds of the sender's process while sending
    waited_429: int  # 429s Delivery waited out and retried ("flood control" warnings)
    looks: int  # outbox looks it took (digests)


@dataclass(frozen=True, slots=True)
class FanoutRun:
    """One fan-out: what the sender did and what the fake received."""

    label: str
    sent: Sent
    tally: Tally

    @property
    def expected(self) -> int:
        """Return the messages the chats should have received."""
        return self.sent.owed * self.sent.parts

    @property
    def delivered(self) -> int:
        """Return the messages the fake delivered."""
        return len(self.tally.times)

    @property
    def per_second(self) -> float:
        """Return messages delivered per second of the sender's wall time."""
        return self.delivered / self.sent.wall if self.sent.wall > 0 else 0.0

    @property
    def steady(self) -> float:
        """Return the rate between the fake's first and last delivery (gaps between sends)."""
        times = self.tally.times
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return (len(times) - 1) / span if span > 0 else 0.0

    @property
    def lost(self) -> int:
        """Return messages owed to a chat that it never received."""
        chats = range(FIRST_CHAT, FIRST_CHAT + self.sent.owed)
        return sum(max(0, self.sent.parts - self.tally.per_chat.get(c, 0)) for c in chats)

    @property
    def doubled(self) -> int:
        """Return messages a chat received more than once."""
        return sum(max(0, got - self.sent.parts) for got in self.tally.per_chat.values())

    @property
    def refused(self) -> int:
        """Return the 429s the fake answered."""
        return self.tally.limits.refused if self.tally.limits else 0

    @property
    def all_handled(self) -> bool:
        """Tell whether every 429 was waited out and nothing was lost or doubled."""
        return (
            self.refused == self.sent.waited_429
            and self.lost == 0
            and self.doubled == 0
            and self.sent.sent == self.sent.owed
        )


def measure(
    label: str,
    mode: str,
    count: int,
    *,
    database: Path | None = None,
    problems: int = 0,
    concurrency: int | None = None,
    per_second: int | None = None,
) -> FanoutRun:
    """Send ``count`` follow-ups (``mode="messages"``) or digests to a limiting fake."""
    with FakeServer(limits=True) as fake:
        command = [
            *(sys.executable, "-m", "bench.fanout_sender", mode),
            *("--count", str(count), "--api-url", fake.base_url, "--token", fake.token),
        ]
        if database is not None:
            command += ["--database", f"sqlite:///{database}", "--problems", str(problems)]
        if concurrency:
            command += ["--concurrency", str(concurrency)]
        if per_second:
            command += ["--per-second", str(per_second)]
        done = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=LIMIT, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{label}: the sender failed:\n{done.stderr[-3000:]}")
        sent = Sent(**json.loads(done.stdout.splitlines()[-1]))
        return FanoutRun(label, sent, fake.tally())


def _row(run: FanoutRun) -> list[str]:
    sent = run.sent
    return [
        run.label,
        f"{sent.sent:,} / {sent.owed:,}",
        str(sent.parts),
        f"{run.delivered:,}",
        f"{sent.wall:.1f}",
        f"{run.per_second:.1f}",
        f"{run.per_second / CAP:.0%}",
        f"{run.steady:.1f}",
        f"{run.tally.limits.busiest_second if run.tally.limits else 0}",
        f"{run.refused} ({_rules(run)}) / {sent.waited_429}",
        f"{run.lost} / {run.doubled}",
        str(sent.looks),
    ]


def _rules(run: FanoutRun) -> str:
    limits = run.tally.limits
    return f"{limits.refused_total}, {limits.refused_chat}" if limits else "-"


_HEADER = (
    "fan-out",
    "sent / owed",
    "parts",
    "messages",
    "seconds",
    "messages/s",
    "of the cap",
    "steady/s",
    "busiest second",
    "429s answered (30/s, per chat) / waited out",
    "lost / doubled",
    "looks",
)


def run_fanout(plan: Plan, work: Path) -> Summary:
    """Benchmark 4: follow-ups, digests as the outbox sends them, and a what-if."""
    say(f"\n## Fan-out: Telegram's limits enforced by the fake (cap {CAP} messages/s)\n")
    runs = [measure(f"{plan.fanout:,} follow-ups (1 message each)", "messages", plan.fanout)]
    runs.append(
        measure(
            f"{plan.digests:,} weekly digests (outbox as it is)",
            "digests",
            plan.digests,
            database=work / "fanout-digests.db",
            problems=DIGEST_PROBLEMS,
        )
    )
    runs.append(
        measure(
            f"{plan.digests:,} weekly digests, CONCURRENCY {WHAT_IF_CONCURRENCY} (what-if)",
            "digests",
            plan.digests,
            database=work / "fanout-digests-what-if.db",
            problems=DIGEST_PROBLEMS,
            concurrency=WHAT_IF_CONCURRENCY,
        )
    )
    for line in table(_HEADER, [_row(run) for run in runs]):
        say(line)
    summary: Summary = []
    for run in runs[:2]:
        figure = (
            f"{run.per_second:.1f} messages/s; {run.refused} × 429, "
            f"{'all' if run.all_handled else 'NOT all'} handled, {run.lost} lost"
        )
        ok = run.per_second >= TARGET and run.all_handled
        summary.append((f"4 {run.label}", figure, f"≥ {TARGET:.0f}/s, 429s handled", verdict(ok)))
    return summary
