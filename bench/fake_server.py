"""Run the fake Bot API in its own process on 127.0.0.1 and drive residents through it.

The residents live in the server's process, next to the fake: each sends an update, waits until
the bot has answered it (a ``sendMessage`` to its chat, or an ``editMessageText`` of the message
whose button it pressed) and sends the next. An edit of an earlier message (a late mark on a
question answered before) is no answer to the current step. Latency is measured there with one
clock, from queueing the update to the last expected answer.
The parent talks to that process over a pipe: start, wait for polling, run a plan, count what
was delivered, stop. With ``limits=True`` the fake refuses messages beyond Telegram's send limits
with 429 (bench/limits.py), as Telegram would.
"""

import asyncio
import multiprocessing
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Literal, Self

from bench.limits import MESSAGE_METHODS, LimitStats, TelegramLimits
from tests.fakebotapi import ApiError, FakeBotAPI, Params, Uploads

REPLY_METHODS = frozenset({"sendmessage", "editmessagetext"})
StepKind = Literal["command", "text", "press"]


@dataclass(frozen=True, slots=True)
class Step:
    """One update a resident sends, and how many answers the bot gives to it."""

    name: str  # what the step is called in the report, e.g. "consent"
    kind: StepKind
    payload: str  # the text typed, or the callback data of the button pressed
    replies: int = 1
    # New messages (the next question) the resident reads before thinking about the next step;
    # 0 when the answer is an edit of the pressed question (a tick in a multiple choice).
    asks: int = 1
    # Read on until a new message with buttons (the question) arrives, however many messages
    # come before it: the same script measures a bot that sends a note and the question apart
    # (main before 2026-11-28: welcome, then consent) and one that sends them as one.
    until_buttons: bool = False


@dataclass(frozen=True, slots=True)
class Script:
    """What one resident does, step by step, in their own language."""

    user_id: int
    language: str
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Pace:
    """Residents at a human pace: a think time between answers, latency to the first message."""

    think_min: float  # seconds between the last answer to a step and the next update
    think_max: float
    seed: int = 7  # the think times are drawn from a seeded generator: runs are comparable


@dataclass
class RunResult:
    """What a run measured, in the fake's process."""

    updates: int
    wall: float  # seconds from the first update queued to the last answer received
    latencies: dict[str, list[float]]  # step name -> seconds, update queued -> last answer
    fake_cpu: float  # CPU seconds the fake's process used during the run
    failures: list[str] = field(default_factory=list)
    messages: int = 0  # messages (sends and edits) delivered during the run
    refused: int = 0  # 429s answered during the run (with limits on)
    # At a human pace: step name -> seconds from queueing the update until the step's new
    # question(s) arrived (or its edit, for an edit-only answer): when the resident can go on.
    asked: dict[str, list[float]] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        """Return updates answered per second of wall time."""
        return self.updates / self.wall if self.wall > 0 else 0.0

    def percentile(
        self, q: float, step: str | None = None, *, asked: bool = False, skip: str = ""
    ) -> float:
        """Return the ``q``-th percentile latency in seconds (of one step, or of all).

        ``asked``: of the time until the next question arrived instead of the first answer;
        ``skip``: of every step but this one.
        """
        source = self.asked if asked else self.latencies
        if step:
            values = source[step]
        else:
            values = [v for name, vs in source.items() if name != skip for v in vs]
        if len(values) < 2:
            return values[0] if values else float("nan")
        return statistics.quantiles(values, n=100, method="inclusive")[round(q) - 1]


@dataclass(frozen=True, slots=True)
class Tally:
    """Every message the fake delivered so far, and what its limits refused."""

    per_chat: dict[int, int]  # chat -> messages delivered
    times: list[float]  # time.monotonic() of each delivered message, in order
    limits: LimitStats | None


class BenchBotAPI(FakeBotAPI):
    """The test fake, telling waiting residents the moment the bot answers their chat."""

    def __init__(self, limits: TelegramLimits | None = None) -> None:
        super().__init__()
        self.limits = limits
        self.answers: dict[int, int] = defaultdict(int)  # chat -> answers so far
        self.sends: dict[int, int] = defaultdict(int)  # chat -> new messages so far
        self.questions: dict[int, int] = defaultdict(int)  # chat -> new messages with buttons
        self.delivered: Counter[int] = Counter()  # chat -> messages delivered
        self.delivered_at: list[float] = []
        self._pressed: dict[int, int] = {}  # chat -> message whose button the step pressed
        self._waiting: dict[int, tuple[dict[int, int], int, asyncio.Future[float]]] = {}

    def tally(self) -> Tally:
        """Return what was delivered so far."""
        stats = self.limits.stats() if self.limits else None
        return Tally(dict(self.delivered), list(self.delivered_at), stats)

    async def _perform(self, method: str, params: Params, uploads: Uploads) -> Any:
        chat = params.get("chat_id")
        counted = chat if method in MESSAGE_METHODS and isinstance(chat, int) else None
        if counted is not None and self.limits is not None:
            retry = self.limits.admit(counted, time.monotonic())
            if retry is not None:
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        result = await super()._perform(method, params, uploads)
        if counted is not None:
            self.delivered[counted] += 1
            self.delivered_at.append(time.monotonic())
        if method in REPLY_METHODS and isinstance(chat, int):
            sent = method == "sendmessage"
            if sent or params.get("message_id") == self._pressed.get(chat):
                self.answers[chat] += 1
            if sent:
                self.sends[chat] += 1
                if params.get("reply_markup"):
                    self.questions[chat] += 1
            waiting = self._waiting.get(chat)
            if waiting and waiting[0][chat] >= waiting[1] and not waiting[2].done():
                waiting[2].set_result(time.perf_counter())
        return result

    async def answered(
        self,
        chat: int,
        count: int,
        timeout: float,  # noqa: ASYNC109
        *,
        sends: bool = False,
        questions: bool = False,
    ) -> float:
        """Wait until ``chat`` has ``count`` answers (new messages, with buttons); return then."""
        counter = self.questions if questions else self.sends if sends else self.answers
        if counter[chat] >= count:
            return time.perf_counter()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat] = (counter, count, future)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            del self._waiting[chat]

    def act(self, script: Script, step: Step) -> None:
        """Queue the update of ``step`` as the resident of ``script``."""
        self._pressed.pop(script.user_id, None)
        if step.kind == "press":
            update = self.press(script.user_id, step.payload)
            self._pressed[script.user_id] = update["callback_query"]["message"]["message_id"]
        elif step.kind == "command":
            self.send_command(script.user_id, step.payload, language_code=script.language)
        else:
            self.send_text(script.user_id, step.payload, language_code=script.language)


async def _resident(
    api: BenchBotAPI,
    script: Script,
    answer_within: float,
    latencies: dict[str, list[float]],
    pace: Pace | None,
    asked: dict[str, list[float]],
) -> None:
    think = random.Random(f"{pace.seed}:{script.user_id}") if pace else None
    for step in script.steps:
        before, sends = api.answers[script.user_id], api.sends[script.user_id]
        questions = api.questions[script.user_id]
        queued = time.perf_counter()
        await _act(api, script, step, answer_within if pace else 0.0)
        # In a closed loop latency runs to the last answer a step causes; at a human pace, to
        # the first, and the rest arrive while the resident reads and thinks.
        target = before + (1 if pace else step.replies)
        try:
            done = await api.answered(script.user_id, target, answer_within)
        except TimeoutError:
            raise TimeoutError(
                f"resident {script.user_id}: no answer to {step.name!r} within {answer_within}s\n"
                f"{api.summary(5)}"
            ) from None
        latencies[step.name].append(done - queued)
        if pace and think:
            # The resident reads the next question and thinks; a late mark on the question
            # just answered (an edit) may arrive meanwhile.
            if step.until_buttons:
                read = questions + 1
                done = await api.answered(script.user_id, read, answer_within, questions=True)
            elif step.asks:
                read = sends + step.asks
                done = await api.answered(script.user_id, read, answer_within, sends=True)
            asked[step.name].append(done - queued)
            await asyncio.sleep(think.uniform(pace.think_min, pace.think_max))


async def _act(api: BenchBotAPI, script: Script, step: Step, patience: float) -> None:
    """Queue ``step``; a press waits up to ``patience`` seconds for its keyboard to arrive."""
    deadline = time.monotonic() + patience
    while True:
        try:
            api.act(script, step)
            return
        except (LookupError, ValueError) as error:  # its keyboard has not arrived yet
            if time.monotonic() >= deadline:
                raise LookupError(
                    f"resident {script.user_id}: {error}\n{api.summary(8)}"
                ) from None
            await asyncio.sleep(0.02)


async def run_scripts(
    api: BenchBotAPI, scripts: Sequence[Script], answer_within: float, pace: Pace | None = None
) -> RunResult:
    """Let every resident of ``scripts`` go through their steps at once; time each answer.

    Without ``pace`` each resident sends the next update at once (a closed loop) and latency
    runs to the last answer; with it, each thinks between answers and latency runs to the first.
    """
    latencies: dict[str, list[float]] = defaultdict(list)
    asked: dict[str, list[float]] = defaultdict(list)
    messages, refused = len(api.delivered_at), _refused(api)
    cpu, started = time.process_time(), time.perf_counter()
    outcomes = await asyncio.gather(
        *(_resident(api, script, answer_within, latencies, pace, asked) for script in scripts),
        return_exceptions=True,
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    failures = [str(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
    updates = sum(len(values) for values in latencies.values())
    messages = len(api.delivered_at) - messages
    return RunResult(
        updates,
        wall,
        dict(latencies),
        cpu,
        failures,
        messages,
        _refused(api) - refused,
        dict(asked),
    )


def _refused(api: BenchBotAPI) -> int:
    return api.limits.stats().refused if api.limits else 0


async def _wait_polling(api: BenchBotAPI, timeout: float) -> bool:  # noqa: ASYNC109
    """Wait until the bot has started long polling."""
    await api.wait_for(lambda fake: bool(fake.calls("getUpdates")), timeout)
    return True


async def _serve(conn: Connection, limits: bool) -> None:
    api = BenchBotAPI(TelegramLimits() if limits else None)
    await api.start()
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[str, tuple[Any, ...]]] = asyncio.Queue()

    def receive() -> None:
        try:
            inbox.put_nowait(conn.recv())
        except EOFError:  # the parent is gone: stop rather than serve forever
            loop.remove_reader(conn.fileno())
            inbox.put_nowait(("stop", ()))

    loop.add_reader(conn.fileno(), receive)
    conn.send(("ready", (api.base_url, api.token)))
    try:
        while (message := await inbox.get())[0] != "stop":
            command, args = message
            try:
                if command == "run":
                    reply: Any = await run_scripts(api, *args)
                elif command == "tally":
                    reply = api.tally()
                else:
                    reply = await _wait_polling(api, *args)
                conn.send(("ok", reply))
            except Exception as error:  # the parent reports it; the server stays up
                conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        loop.remove_reader(conn.fileno())
        await api.stop()


def _main(conn: Connection, limits: bool) -> None:
    asyncio.run(_serve(conn, limits))


class FakeServer:
    """The fake Bot API in a child process: ``with FakeServer() as fake: fake.run(...)``.

    ``limits``: refuse messages beyond Telegram's send limits with 429, as Telegram does.
    """

    def __init__(self, start_timeout: float = 30.0, *, limits: bool = False) -> None:
        self.start_timeout = start_timeout
        self.base_url = ""
        self.token = ""
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_main, args=(child, limits), name="fake-bot-api", daemon=True
        )

    def __enter__(self) -> Self:
        self._process.start()
        self.base_url, self.token = self._receive(self.start_timeout, "start")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_polling(self, timeout: float = 60.0) -> None:
        """Return once the bot has called getUpdates."""
        self._call("wait", (timeout,), timeout + 5)

    def run(
        self,
        scripts: Sequence[Script],
        timeout: float = 60.0,
        limit: float = 900.0,
        pace: Pace | None = None,
    ) -> RunResult:
        """Run ``scripts`` (``timeout`` per answer, ``limit`` in all; ``pace``: thinking)."""
        result: RunResult = self._call("run", (list(scripts), timeout, pace), limit)
        return result

    def tally(self) -> Tally:
        """Return every message delivered so far, and the 429s answered."""
        tally: Tally = self._call("tally", (), 30)
        return tally

    def stop(self) -> None:
        """Stop the server and its process (killed if it does not end by itself)."""
        if self._process.is_alive():
            self._conn.send(("stop", ()))
            self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        self._conn.close()

    def _call(self, command: str, args: tuple[Any, ...], limit: float) -> Any:
        self._conn.send((command, args))
        return self._receive(limit, command)

    def _receive(self, limit: float, what: str) -> Any:
        if not self._conn.poll(limit):
            raise TimeoutError(f"fake Bot API: no answer to {what!r} within {limit:.0f}s")
        status, value = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"fake Bot API: {what} failed: {value}")
        return value
