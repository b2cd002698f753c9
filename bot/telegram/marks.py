"""Marks: the edits that show a pressed question's answer, sent in slots no other message wants.

A press that moves the interview on is answered with the next question and with an edit of the
pressed question that shows the choice, without its buttons (its "mark"). The resident waits for
the question, not for the mark: so the question is sent first and the mark waits here until the
pacer has a slot that no other message wants (``Pacer.spare``). Under a crowd the questions keep
Telegram's budget to themselves and the marks catch up as soon as there is room.

Marks of one message waiting together become one (the newest text); an edit sent meanwhile with
normal priority (``Delivery.replace``) drops the waiting mark of its message, so an older text
never overwrites a newer one. None is lost: beyond ``MAX_WAITING`` marks the oldest goes with
normal priority, and on shutdown ``flush`` sends every waiting mark like any other message.
"""

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from flows.render import Rendered

if TYPE_CHECKING:  # delivery builds the marks
    from bot.telegram.delivery import Pacer

log = logging.getLogger(__name__)
# Marks waiting at most: about 140 residents' worth of a whole interview's marks (7 each).
MAX_WAITING = 1000
FLUSH_SECONDS = 5.0  # on shutdown, how long the waiting marks may take to go out
NAP = 0.01  # shortest look-again while no mark may go (the pacer's slot when it is longer)
# Edit message ``message_id`` of chat ``chat_id`` to ``reply``; ``paced``: wait for a slot first
# (a spare slot was not taken for it).
Edit = Callable[[int, int, Rendered, bool], Awaitable[None]]


class Marks:
    """Hold the marks of pressed questions and send each when a slot is spare."""

    def __init__(
        self, pacer: "Pacer", edit: Edit, *, burst: int, limit: int = MAX_WAITING
    ) -> None:
        self.pacer = pacer
        self.edit = edit
        self.burst = burst
        self.limit = limit
        self._waiting: OrderedDict[tuple[int, int], Rendered] = OrderedDict()
        self._drainer: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    @property
    def waiting(self) -> int:
        """Return how many marks wait for a spare slot."""
        return len(self._waiting)

    def add(self, chat_id: int, message_id: int, reply: Rendered) -> None:
        """Queue the mark ``reply`` of message ``message_id``; it replaces one waiting for it."""
        key = (chat_id, message_id)
        fresh = key not in self._waiting
        self._waiting[key] = reply  # a waiting mark keeps its place in the queue
        if fresh and len(self._waiting) > self.limit:
            oldest, mark = self._waiting.popitem(last=False)
            self._send(oldest, mark, paced=True)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())

    def drop(self, chat_id: int, message_id: int) -> None:
        """Forget the waiting mark of a message that is being edited anew."""
        self._waiting.pop((chat_id, message_id), None)

    async def flush(self, timeout: float = FLUSH_SECONDS) -> None:  # noqa: ASYNC109
        """Send every waiting mark with normal priority; wait at most ``timeout`` s for them."""
        if self._drainer is not None:
            self._drainer.cancel()
            await asyncio.gather(self._drainer, return_exceptions=True)
        while self._waiting:
            key, mark = self._waiting.popitem(last=False)
            self._send(key, mark, paced=True)
        if not self._sending:
            return
        _, late = await asyncio.wait(set(self._sending), timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        if late:
            log.warning("%d marks of answered questions not sent at shutdown", len(late))

    async def _drain(self) -> None:
        """Send the oldest mark whose chat has room whenever a slot is spare, until none waits."""
        nap = max(NAP, self.pacer.slot_seconds)
        while self._waiting:
            if not self._send_spare():
                await asyncio.sleep(nap)

    def _send_spare(self) -> bool:
        """Send one waiting mark in a spare slot; return whether one went."""
        if not self.pacer.room():
            return False
        for key, mark in self._waiting.items():
            if self.pacer.spare(key[0], self.burst):
                del self._waiting[key]
                self._send(key, mark, paced=False)
                return True
        return False

    def _send(self, key: tuple[int, int], mark: Rendered, *, paced: bool) -> None:
        task = asyncio.create_task(self._edit(key, mark, paced))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _edit(self, key: tuple[int, int], mark: Rendered, paced: bool) -> None:
        try:
            await self.edit(*key, mark, paced)
        except Exception as error:  # a mark is a courtesy: the answer it shows went out already
            log.info("mark of an answered question not shown (%s)", type(error).__name__)
