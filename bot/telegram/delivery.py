"""Send to Telegram reliably and within its limits: pace, wait out 429s, retry with backoff."""

import asyncio
import bisect
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.metrics import FLOOD_WAITS, RETRIES, count_sent
from bot.telegram.marks import Marks
from flows.render import Button, Rendered, split_message

log = logging.getLogger(__name__)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]
# Telegram allows about 30 messages a second in total; 29 leaves room for jitter in transit
# (measured: 30/s drew ~3 % 429s from a strict counter, 29/s none and was faster overall).
PER_SECOND = 29
PER_CHAT_INTERVAL = 1.0  # Telegram: about one message per second in one chat
# A request Telegram accepted but never answered is given up (and retried) after this long, so
# one hung send cannot hold its chat, or a job, for the session's default minute.
SEND_TIMEOUT = 20.0


class DeliveryFailed(RuntimeError):
    """Telegram kept refusing a request after every retry."""


# A reply to a resident's own message may be a few messages at once (welcome + question);
# Telegram allows such short bursts in a private chat. Bulk sends are spaced strictly.
REPLY_BURST = 3
# A message that may wait (a mark) takes a slot only while the second before used at most this
# share of them: the rest is left for answers arriving meanwhile.
SPARE_SHARE = 0.8


class Pacer:
    """Hand out send times: at most ``per_second`` in total, ``per_chat`` seconds apart per chat.

    Time is cut into slots of 1/``per_second`` s and each message takes a free slot of its own;
    it goes as soon as its slot has begun (at once, if its slot is the current one), but never
    within a second of the message of the slot ``per_second`` slots before or after it: so no
    second holds more than ``per_second`` messages. A chat may have ``burst`` sends at once and
    then one per ``per_chat`` seconds (a token bucket; ``burst=1`` spaces every send).
    Reserving never awaits, so concurrent senders cannot take the same slot. ``spare`` serves
    messages that may wait (the marks of ``bot.telegram.marks``): they take a slot only when no
    other message is waiting for one and the last second left room.
    """

    def __init__(
        self,
        *,
        per_second: int = PER_SECOND,
        per_chat: float = PER_CHAT_INTERVAL,
        burst: int = 1,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.per_chat = per_chat
        self.burst = burst
        self.monotonic = monotonic
        self.sleep = sleep
        self._at: dict[int, float] = {}  # taken slot -> when its message goes
        self._slots: list[int] = []  # the taken slots in order, to count them in a window
        self._chat_due: dict[int, float] = {}  # when the chat's bucket is next full to the brim

    @property
    def slot_seconds(self) -> float:
        """Return the length of one slot."""
        return 1 / self.per_second

    def reserve(self, chat_id: int, burst: int | None = None) -> float:
        """Take the earliest allowed send time for ``chat_id``; return how long to wait."""
        now = self.monotonic()
        self._forget_before(now)
        due = self._chat_due.get(chat_id, now)
        earliest = max(now, due - ((burst or self.burst) - 1) * self.per_chat)
        slot, at = self._free_slot(earliest)
        self._take(slot, at)
        self._chat_due[chat_id] = max(due, at) + self.per_chat
        return at - now

    async def wait(self, chat_id: int, burst: int | None = None) -> None:
        """Sleep until ``chat_id`` may be sent the next message."""
        delay = self.reserve(chat_id, burst)
        if delay > 0:
            await self.sleep(delay)

    def answered(self, chat_id: int) -> None:
        """Note that Telegram answered a send to ``chat_id``: its next send is a full interval on.

        The interval is planned between send times, but a send may leave late (the event loop
        busy, the network slow) while the next leaves on time: counted from the answer, which
        comes after the send reached Telegram, the interval holds where Telegram counts it.
        """
        now = self.monotonic()
        self._chat_due[chat_id] = max(self._chat_due.get(chat_id, now), now + self.per_chat)

    def room(self) -> bool:
        """Return whether a message that may wait could go now without delaying any other.

        None of the next ``per_second // 10`` slots is taken (70 ms at 29 a second: nothing
        queues for its turn), and the second before used at most ``SPARE_SHARE`` of the slots
        (arrivals find one free).
        """
        now = self.monotonic()
        self._forget_before(now)
        slot = math.floor(now * self.per_second)
        slots = self._slots
        ahead = bisect.bisect_right(slots, slot + max(1, self.per_second // 10))
        if ahead > bisect.bisect_right(slots, slot):
            return False
        recent = bisect.bisect_right(slots, slot) - bisect.bisect_left(
            slots, slot - self.per_second + 1
        )
        return recent <= SPARE_SHARE * self.per_second

    def spare(self, chat_id: int, burst: int) -> bool:
        """Take the current slot for a message to ``chat_id`` that may wait, if it is spare.

        Spare: ``room()``, the slot is free now, and the chat keeps at least one message of
        its ``burst`` for its next answer afterwards.
        """
        now = self.monotonic()
        due = self._chat_due.get(chat_id, now)
        if due - now > (burst - 2) * self.per_chat or not self.room():
            return False
        slot, at = self._free_slot(now)
        if at > now:
            return False
        self._take(slot, at)
        self._chat_due[chat_id] = max(due, at) + self.per_chat
        return True

    def _free_slot(self, earliest: float) -> tuple[int, float]:
        """Return the first slot free from ``earliest`` on, and when its message may go."""
        per_second, taken = self.per_second, self._at
        slot = math.floor(earliest * per_second)
        while True:
            if slot not in taken:
                before = taken.get(slot - per_second)
                at = max(earliest, slot / per_second, -math.inf if before is None else before + 1)
                after = taken.get(slot + per_second)
                if after is None or at <= after - 1:
                    return slot, at
            slot += 1

    def _take(self, slot: int, at: float) -> None:
        self._at[slot] = at
        bisect.insort(self._slots, slot)

    def _forget_before(self, now: float) -> None:
        if len(self._at) > 4 * self.per_second:
            # A slot counts for a second after it (see _free_slot): keep that second.
            cut = bisect.bisect_left(
                self._slots, math.floor(now * self.per_second) - self.per_second
            )
            for slot in self._slots[:cut]:
                del self._at[slot]
            del self._slots[:cut]
        if len(self._chat_due) > 1000:
            self._chat_due = {c: t for c, t in self._chat_due.items() if t > now}


class Delivery:
    """Send messages with pacing and retries: the only place the bot calls Telegram's sends."""

    def __init__(
        self,
        bot: Bot,
        *,
        attempts: int = 5,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        sleep: Sleep = asyncio.sleep,
        pacer: Pacer | None = None,
        timeout: float = SEND_TIMEOUT,
    ) -> None:
        self.bot = bot
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.pacer = pacer or Pacer(sleep=sleep)
        self.marks = Marks(self.pacer, self._edit_mark, burst=REPLY_BURST)

    async def call(
        self,
        request: Callable[[], Awaitable[T]],
        what: str,
        *,
        chat_id: int | None = None,
        burst: int | None = None,
        reserved: bool = False,
    ) -> T:
        """Run ``request``, retrying on 429 (after ``retry_after``), 5xx, network errors, timeouts.

        An attempt that gets no answer within ``timeout`` seconds is given up and retried.
        With ``chat_id``, each attempt first waits for its turn under Telegram's send limits
        (``reserved``: the first attempt's slot is taken already).
        """
        for attempt in range(1, self.attempts + 1):
            if chat_id is not None and not (reserved and attempt == 1):
                await self.pacer.wait(chat_id, burst)
            try:
                result = await asyncio.wait_for(request(), self.timeout)
                if chat_id is not None:
                    self.pacer.answered(chat_id)
                count_sent(what)
                return result
            except TelegramRetryAfter as error:
                wait = min(float(error.retry_after), self.max_wait)
                FLOOD_WAITS.inc()
                log.warning("%s: flood control, retrying in %.0f s", what, wait)
            except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
                wait = min(self.backoff * 2 ** (attempt - 1), self.max_wait)
                RETRIES.labels(type(error).__name__).inc()
                log.warning("%s failed (%s), attempt %d", what, type(error).__name__, attempt)
            if attempt < self.attempts:
                await self.sleep(wait)
        raise DeliveryFailed(f"{what}: gave up after {self.attempts} attempts")

    async def send(self, chat_id: int, reply: Rendered, *, burst: int | None = None) -> None:
        """Send a rendered reply, split at Telegram's length limit; buttons go on the last part.

        ``burst``: how many messages may go to the chat at once before the per-chat pace applies
        (answers to a resident's own message use ``REPLY_BURST``; bulk sends keep the default 1).
        """
        parts = split_message(reply.text)
        for index, part in enumerate(parts):
            markup = keyboard(reply.buttons) if index == len(parts) - 1 else None
            await self.send_text(chat_id, part, markup, burst=burst)

    async def send_text(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        burst: int | None = None,
    ) -> None:
        """Send one message of HTML text (at most 4096 characters, see ``split_message``)."""
        await self.call(
            lambda: self.bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=markup),
            "sendMessage",
            chat_id=chat_id,
            burst=burst,
        )

    async def send_photo(self, chat_id: int, png: bytes, filename: str, caption: str) -> None:
        """Send a picture with an HTML caption (at most 1024 characters)."""
        photo = BufferedInputFile(png, filename=filename)
        await self.call(
            lambda: self.bot.send_photo(chat_id, photo, caption=caption, parse_mode="HTML"),
            "sendPhoto",
            chat_id=chat_id,
        )

    async def send_document(
        self, chat_id: int, content: bytes, filename: str, caption: str
    ) -> None:
        """Send a file with an HTML caption (at most 1024 characters)."""
        document = BufferedInputFile(content, filename=filename)
        await self.call(
            lambda: self.bot.send_document(chat_id, document, caption=caption, parse_mode="HTML"),
            "sendDocument",
            chat_id=chat_id,
        )

    async def replace(
        self, chat_id: int, message_id: int, reply: Rendered, *, burst: int | None = None
    ) -> None:
        """Edit the message whose button was pressed; send anew if it can't be edited."""
        self.marks.drop(chat_id, message_id)  # this text is newer than a mark still waiting
        parts = split_message(reply.text)
        if len(parts) != 1:
            await self.send(chat_id, reply, burst=burst)
            return
        try:
            await self._edit(chat_id, message_id, parts[0], reply, burst=burst)
        except TelegramBadRequest as error:
            if "not modified" not in str(error):
                await self.send(chat_id, reply, burst=burst)

    def mark(self, chat_id: int, message_id: int, reply: Rendered) -> None:
        """Edit the pressed message to ``reply`` when a slot is spare (see bot.telegram.marks)."""
        self.marks.add(chat_id, message_id, reply)

    async def _edit_mark(
        self, chat_id: int, message_id: int, reply: Rendered, paced: bool
    ) -> None:
        """Show a mark; one Telegram refuses is not sent anew (it would follow the question)."""
        try:
            await self._edit(
                chat_id, message_id, reply.text, reply, burst=REPLY_BURST, reserved=not paced
            )
        except TelegramBadRequest as error:
            if "not modified" not in str(error):
                log.info("mark of an answered question not shown (refused)")

    async def _edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        reply: Rendered,
        *,
        burst: int | None,
        reserved: bool = False,
    ) -> None:
        await self.call(
            lambda: self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=keyboard(reply.buttons),
            ),
            "editMessageText",
            chat_id=chat_id,
            burst=burst,
            reserved=reserved,
        )


def split_marks(
    replies: Sequence[Rendered], pressed: int | None
) -> tuple[list[Rendered], list[Rendered]]:
    """Split the replies to a press into those to send now and the marks that may wait.

    An edit of the pressed message that comes with new messages (the next question) is a mark:
    the resident waits for the question, so it goes first and the mark when a slot is spare.
    An edit that is the whole answer (a tick among several groups) goes at once, and so does one
    too long for one message (it is sent anew).
    """
    if pressed is None or all(reply.edit for reply in replies):
        return list(replies), []
    now: list[Rendered] = []
    marks: list[Rendered] = []
    for reply in replies:
        deferred = reply.edit and len(split_message(reply.text)) == 1
        (marks if deferred else now).append(reply)
    return now, marks


def keyboard(rows: tuple[tuple[Button, ...], ...]) -> InlineKeyboardMarkup | None:
    """Build an inline keyboard from rendered buttons (None when there are none)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row] for row in rows
        ]
    )
