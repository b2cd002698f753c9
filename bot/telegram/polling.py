"""Long polling that confirms an update only after its database work was committed.

aiogram's own polling moves the offset past an update as soon as it is fetched, so an update
whose handler failed (say, the database was down) is gone; and it waits for a whole batch,
replies included, before fetching the next. Here each chat has a lane that applies its updates
in order, while the poller goes on fetching: one chat's slow, paced or hung replies, or its
failing update, never hold up another chat. The offset given to Telegram never passes an
update whose database work is not committed, so Telegram hands such an update out again (the
ones already in a lane are recognised and skipped). Updates are read one by one: one that
cannot be read is skipped and logged by id and kind only.
"""

import asyncio
import contextlib
import logging
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import TelegramObject, Update, User

from bot.telegram.applier import Applier, chat_of, read_update
from bot.telegram.throttle import ADMITTED, Throttle

log = logging.getLogger(__name__)
FIRST_BACKOFF = 0.5
QUICK_LOOK = 0.02  # seconds between looks while only updates in lanes are pending
SLOW_LOOK = 1.0
DRAIN_SECONDS = 3.0  # on stop, how long lanes may finish what they hold


class RawUpdates(GetUpdates):
    """getUpdates answered as plain JSON, so each update is read (and refused) on its own."""

    __returning__ = list[Any]


class Poller:
    """Fetch updates with getUpdates and apply them in per-chat lanes, losing none."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        applier: Applier,
        *,
        throttle: Throttle | None = None,
        poll_timeout: int = 25,
        max_backoff: float = 30.0,
        remember: int = 10_000,
        on_answer: Callable[[], None] = lambda: None,
    ) -> None:
        self.bot = bot
        self.on_answer = on_answer  # Telegram answered getUpdates (readiness watches this)
        self.dispatcher = dispatcher
        self.applier = applier
        self.throttle = throttle
        self.poll_timeout = poll_timeout
        self.max_backoff = max_backoff
        self._remember = remember
        self._seen: OrderedDict[int, None] = OrderedDict()  # fetched ids, to skip repeats
        self._open: set[int] = set()  # fetched ids whose database work is not committed
        self._next: int | None = None  # one past the highest id fetched
        self._lanes: dict[int | None, deque[Update]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Ask the loop to end after the current request."""
        self._stop.set()

    async def run(self) -> None:
        """Poll until ``stop()``; then let the lanes finish briefly."""
        try:
            await self._poll()
        finally:
            await self._drain()

    async def _poll(self) -> None:
        backoff, look = FIRST_BACKOFF, QUICK_LOOK
        allowed = self.dispatcher.resolve_used_update_types()
        while not self._stop.is_set():
            self._progress.clear()  # a commit from now on ends the wait below at once
            try:
                batch = await self._fetch(allowed)
            except TelegramUnauthorizedError:
                raise  # a revoked token: retrying cannot help
            except Exception as error:  # an HTML error page, a 5xx, a timeout, a refusal…
                log.warning(
                    "getUpdates failed (%s); retrying in %.1f s", type(error).__name__, backoff
                )
                await self._pause(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if batch is None:
                return
            self.on_answer()
            backoff = FIRST_BACKOFF
            if self._take(batch) or not self._open:
                look = QUICK_LOOK
                continue
            # Only updates already in lanes came back: wait for one to commit, not for nothing.
            await self._wait_progress(look)
            look = min(look * 2, SLOW_LOOK)

    def _offset(self) -> int | None:
        """Return the offset to confirm everything committed, and nothing that is not."""
        return min(self._open) if self._open else self._next

    async def _fetch(self, allowed: list[str]) -> list[Any] | None:
        """Return the next raw updates, or None once stopped while waiting."""
        timeout = 0 if self._open else self.poll_timeout
        method = RawUpdates(offset=self._offset(), timeout=timeout, allowed_updates=allowed)
        request = asyncio.ensure_future(self.bot(method, request_timeout=timeout + 10))
        stopped = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({request, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if request not in done:
            request.cancel()
            await asyncio.gather(request, return_exceptions=True)
            return None
        stopped.cancel()
        return list(request.result())

    def _take(self, batch: list[Any]) -> bool:
        """Put each new update in its chat's lane; return whether any was new."""
        fresh = False
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int) or update_id in self._seen:
                continue
            fresh = True
            self._remember_seen(update_id)
            self._next = max(self._next or 0, update_id + 1)
            update = read_update(raw, self.bot, self.applier.counts)
            if update is not None and self._admit(update):
                self._open.add(update_id)
                self._enqueue(update)
        return fresh

    def _admit(self, update: Update) -> bool:
        """Apply the rate limit on arrival: a flood is dropped here, warned once per window."""
        event = update.message or update.callback_query
        user = event.from_user if event is not None else None
        if self.throttle is None or event is None or user is None:
            return True
        admitted, warn = self.throttle.admit(user)
        if warn:
            task = asyncio.create_task(self._warn(self.throttle, user, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return admitted

    async def _warn(self, throttle: Throttle, user: User, event: TelegramObject) -> None:
        """Send the "slow down" beside the flooder's lane, not behind their queued replies."""
        try:
            await throttle.warn(user, event)
        except Exception as error:
            log.warning("slow-down notice not delivered (%s)", type(error).__name__)

    def _enqueue(self, update: Update) -> None:
        chat = chat_of(update)
        lane = self._lanes.get(chat)
        if lane is not None:
            lane.append(update)
            return
        self._lanes[chat] = deque([update])
        task = asyncio.create_task(self._run_lane(chat))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_lane(self, chat: int | None) -> None:
        """Apply one chat's updates in order, replies included, then end."""
        lane = self._lanes[chat]
        while lane:
            update = lane[0]

            def committed(update_id: int = update.update_id) -> None:
                self._close(update_id)

            try:
                await self.applier.apply(update, applied=committed, **{ADMITTED: True})
            finally:
                lane.popleft()
                self._close(update.update_id)
        del self._lanes[chat]

    def _close(self, update_id: int) -> None:
        """Let the offset pass ``update_id``: it is committed, parked or done."""
        if update_id in self._open:
            self._open.discard(update_id)
            self._progress.set()

    async def _wait_progress(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._progress.wait(), timeout=seconds)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def _drain(self) -> None:
        """Give the lanes a moment to finish; cancel what is left (Telegram still has it)."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def _remember_seen(self, update_id: int) -> None:
        self._seen[update_id] = None
        if len(self._seen) > self._remember:
            self._seen.popitem(last=False)
