"""Long polling that confirms an update only after it was applied.

aiogram's own polling moves the offset past an update as soon as it is fetched, so an update
whose handler failed (say, the database was down) is gone. Here the offset stays at the first
update that failed, so Telegram hands it out again; the ones after it that did succeed are
skipped (remembered here) or recognised by their claimed update id in the database.
Updates of one chat are applied in order; different chats concurrently.
"""

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
TRANSIENT = (
    OperationalError,
    DBAPIError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
)


class Poller:
    """Fetch updates with getUpdates and feed them to the dispatcher, losing none."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        *,
        poll_timeout: int = 25,
        max_backoff: float = 30.0,
        give_up_after: int = 5,
        remember: int = 10_000,
        sleep: Sleep = asyncio.sleep,
        on_answer: Callable[[], None] = lambda: None,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.poll_timeout = poll_timeout
        self.max_backoff = max_backoff
        self.give_up_after = give_up_after
        self.sleep = sleep
        self.on_answer = on_answer  # Telegram answered getUpdates (readiness watches this)
        self._done: OrderedDict[int, None] = OrderedDict()
        self._remember = remember
        self._failures: dict[int, int] = {}
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Ask the loop to end after the current request."""
        self._stop.set()

    async def run(self) -> None:
        """Poll until ``stop()``."""
        offset: int | None = None
        backoff = 0.5
        allowed = self.dispatcher.resolve_used_update_types()
        while not self._stop.is_set():
            try:
                updates = await self._fetch(offset, allowed)
            except TRANSIENT as error:
                log.warning("getUpdates failed (%s); retrying", type(error).__name__)
                await self._pause(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            if updates is None:
                break
            self.on_answer()
            failed = await self._apply(updates)
            if failed is None:
                backoff = 0.5
                offset = updates[-1].update_id + 1 if updates else offset
            else:
                offset = failed
                await self._pause(backoff)
                backoff = min(backoff * 2, self.max_backoff)

    async def _fetch(self, offset: int | None, allowed: list[str]) -> list[Update] | None:
        """Return the next updates, or None once stopped while waiting."""
        request = asyncio.ensure_future(
            self.bot.get_updates(offset=offset, timeout=self.poll_timeout, allowed_updates=allowed)
        )
        stopped = asyncio.ensure_future(self._stop.wait())
        done, _ = await asyncio.wait({request, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if request not in done:
            request.cancel()
            await asyncio.gather(request, return_exceptions=True)
            return None
        stopped.cancel()
        return request.result()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def _apply(self, updates: list[Update]) -> int | None:
        """Apply a batch; return the id of the first update that must come again, or None."""
        by_chat: dict[int, list[Update]] = {}
        for update in updates:
            if update.update_id not in self._done:
                by_chat.setdefault(_chat_key(update), []).append(update)
        results = await asyncio.gather(*(self._apply_chat(batch) for batch in by_chat.values()))
        failed = [update_id for update_id in results if update_id is not None]
        return min(failed) if failed else None

    async def _apply_chat(self, updates: list[Update]) -> int | None:
        for update in updates:
            try:
                await self.dispatcher.feed_update(self.bot, update)
            except Exception as error:
                if self._should_retry(update.update_id, error):
                    return update.update_id
            self._remember_done(update.update_id)
        return None

    def _should_retry(self, update_id: int, error: Exception) -> bool:
        """Retry transient failures without end; give up on others after a few tries."""
        if isinstance(error, TRANSIENT):
            log.warning("update %s not applied (%s); will retry", update_id, type(error).__name__)
            return True
        count = self._failures.get(update_id, 0) + 1
        self._failures[update_id] = count
        if count < self.give_up_after:
            log.warning(
                "update %s failed (%s), attempt %d", update_id, type(error).__name__, count
            )
            return True
        log.exception("update %s failed %d times; skipping it", update_id, count, exc_info=error)
        self._failures.pop(update_id, None)
        return False

    def _remember_done(self, update_id: int) -> None:
        self._done[update_id] = None
        if len(self._done) > self._remember:
            self._done.popitem(last=False)


def _chat_key(update: Update) -> int:
    """Return the chat (or user) an update belongs to, for ordering."""
    for event in (update.message, update.edited_message, update.channel_post):
        if event is not None:
            return event.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return 0
