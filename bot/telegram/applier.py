"""Apply one update through the dispatcher: wait out faults a retry can fix, park poison.

Both transports use it: the poller (which keeps trying a transient fault for as long as it
takes) and the webhook (which answers 500 for it, so Telegram delivers the update again). An
update that fails for any other reason is tried a few times and then parked: it is logged by id
and kind only, counted, its chat is told once that the message was not taken in, and a parked
button press is answered so the resident's button stops spinning.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from bot.telegram.delivery import DeliveryFailed

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
Notify = Callable[[int, str | None], Awaitable[None]]
AnswerPress = Callable[[str], Awaitable[None]]  # answerCallbackQuery of a press, by its id
Applied = Callable[[], None]
# Faults that go away by themselves: the database or Telegram is down, busy or slow.
TRANSIENT: tuple[type[BaseException], ...] = (
    DBAPIError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramRetryAfter,
    DeliveryFailed,
)
NOTICE_EVERY = 600.0  # seconds: a chat hears "not taken in" at most once in this time


class Outcome(StrEnum):
    """How applying an update ended."""

    APPLIED = "applied"
    PARKED = "parked"  # failed every attempt: given up, its chat told
    RETRY_LATER = "retry_later"  # a transient fault; the caller lets Telegram deliver it again


@dataclass
class Counts:
    """What the transport skipped, for metrics: parked and unreadable updates."""

    parked: int = 0
    unreadable: int = 0


def update_kind(update: Update | dict[str, Any]) -> str:
    """Return the kind of an update ("message", "callback_query", …) without its content."""
    if isinstance(update, Update):
        try:
            return update.event_type
        except UpdateTypeLookupError:
            return "unknown"
    return next((key for key in update if key != "update_id"), "empty")


def chat_of(update: Update) -> int | None:
    """Return the chat an update belongs to (a button's presser for callbacks), if any."""
    for event in (update.message, update.edited_message, update.channel_post):
        if event is not None:
            return event.chat.id
    if update.callback_query is not None:
        return update.callback_query.from_user.id
    return None


def language_of(update: Update) -> str | None:
    """Return the language Telegram reports for the sender of an update."""
    user = update.event.from_user if hasattr(update.event, "from_user") else None
    return user.language_code if user is not None else None


def read_update(raw: object, bot: Bot, counts: Counts) -> Update | None:
    """Parse one raw update; log an unreadable one by id and kind only, and return None."""
    try:
        return Update.model_validate(raw, context={"bot": bot})
    except ValidationError:
        counts.unreadable += 1
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        kind = update_kind(raw) if isinstance(raw, dict) else type(raw).__name__
        log.warning("update %s (%s) cannot be read; skipped", update_id, kind)
        return None


class Applier:
    """Feed updates to the dispatcher with retries, parking those that keep failing."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        *,
        notify: Notify,
        answer_press: AnswerPress,
        attempts: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.notify = notify
        self.answer_press = answer_press
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.monotonic = monotonic
        self.counts = Counts()
        self._noticed: dict[int, float] = {}

    async def apply(
        self,
        update: Update,
        *,
        applied: Applied | None = None,
        keep_trying: bool = True,
        **data: Any,
    ) -> Outcome:
        """Apply ``update``; ``applied`` is called once its database work is committed.

        Transient faults are retried for as long as it takes with ``keep_trying``, else
        returned as RETRY_LATER at once. Other failures park the update after a few attempts.
        ``data`` goes to the handlers with the update.
        """
        failures, delay = 0, self.backoff
        while True:
            try:
                await self.dispatcher.feed_update(self.bot, update, applied=applied, **data)
                return Outcome.APPLIED
            except Exception as error:
                what = (update.update_id, update_kind(update), type(error).__name__)
                log.debug("update %s (%s) failed", update.update_id, what[1], exc_info=True)
                if isinstance(error, TRANSIENT):
                    log.warning("update %s (%s) not applied (%s); will retry", *what)
                    if not keep_trying:
                        return Outcome.RETRY_LATER
                else:
                    failures += 1
                    log.warning("update %s (%s) failed (%s), attempt %d", *what, failures)
                    if failures >= self.attempts:
                        await self._park(update)
                        return Outcome.PARKED
            await self.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    async def _park(self, update: Update) -> None:
        """Give up on ``update``: count it and tell its chat once that it was not taken in."""
        self.counts.parked += 1
        log.error(
            "update %s (%s) parked after %d attempts",
            update.update_id,
            update_kind(update),
            self.attempts,
        )
        if update.callback_query is not None:
            await self._stop_spinner(update.callback_query.id)
        chat = chat_of(update)
        if chat is None or chat < 0:  # groups and channels are never written to for this
            return
        now = self.monotonic()
        if now - self._noticed.get(chat, -NOTICE_EVERY) < NOTICE_EVERY:
            return
        if len(self._noticed) > 10_000:  # keep memory bounded: forget old notices
            self._noticed = {c: t for c, t in self._noticed.items() if now - t < NOTICE_EVERY}
        self._noticed[chat] = now
        try:
            await self.notify(chat, language_of(update))
        except Exception as error:  # the notice is a courtesy; its failure changes nothing
            log.warning("notice of a parked update not delivered (%s)", type(error).__name__)

    async def _stop_spinner(self, query_id: str) -> None:
        """Answer a parked button press, or the resident's button spins until Telegram gives up.

        Without text: the chat notice says what happened. Like the notice, this is a courtesy:
        Telegram may refuse it (the press was answered before the failure, or is too old).
        """
        try:
            await self.answer_press(query_id)
        except Exception as error:
            log.warning("parked button press not answered (%s)", type(error).__name__)
