"""Send to Telegram reliably: wait out 429s, retry server errors and time-outs with backoff."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from flows.render import Button, Rendered, split_text

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class DeliveryFailed(RuntimeError):
    """Telegram kept refusing a request after every retry."""


class Delivery:
    """Send messages with retries; the only place the bot calls Telegram's send methods."""

    def __init__(
        self,
        bot: Bot,
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep

    async def call(self, request: Callable[[], Awaitable[T]], what: str) -> T:
        """Run ``request``, retrying on 429 (after ``retry_after``), 5xx and network errors."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await request()
            except TelegramRetryAfter as error:
                wait = min(float(error.retry_after), self.max_wait)
                log.warning("%s: flood control, retrying in %.0f s", what, wait)
            except (TelegramServerError, TelegramNetworkError) as error:
                wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
                log.warning("%s failed (%s), attempt %d", what, type(error).__name__, attempt)
            if attempt < self.attempts:
                await self.sleep(wait)
        raise DeliveryFailed(f"{what}: gave up after {self.attempts} attempts")

    async def send(self, chat_id: int, reply: Rendered) -> None:
        """Send a rendered reply, split at Telegram's length limit; buttons go on the last part."""
        parts = split_text(reply.text)
        for index, part in enumerate(parts):
            markup = keyboard(reply.buttons) if index == len(parts) - 1 else None
            await self._send_part(chat_id, part, markup)

    async def _send_part(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        await self.call(
            lambda: self.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup),
            "sendMessage",
        )

    async def replace(self, chat_id: int, message_id: int, reply: Rendered) -> None:
        """Edit the message whose button was pressed; send anew if it can't be edited."""
        parts = split_text(reply.text)
        if len(parts) > 1:
            await self.send(chat_id, reply)
            return
        try:
            await self.call(
                lambda: self.bot.edit_message_text(
                    text=parts[0],
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode="HTML",
                    reply_markup=keyboard(reply.buttons),
                ),
                "editMessageText",
            )
        except TelegramBadRequest as error:
            if "not modified" not in str(error):
                await self.send(chat_id, reply)


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Build an inline keyboard from rendered buttons (None when there are none)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row] for row in rows
        ]
    )
