"""What the outbox kinds that write to one resident share: follow-ups and status news.

Each row is owed to one resident's chat. A kind says how to lease its row and load the message
(``load``), whether the message is still to be sent (``sendable``), what it says
(``replies``), and what to do when it never will be (``drop``) or the resident blocked the bot
(``stop``); the sending, the language and the log are the same for both.
"""

import html
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from aiogram.exceptions import TelegramForbiddenError
from sqlmodel import Session

from bot.jobs.outbox import Leased, Send
from bot.telegram.delivery import Delivery
from flows.content import Content
from flows.outputs import Reply
from flows.render import render
from storage.database import Database

log = logging.getLogger(__name__)


class ResidentMessage(Protocol):
    """What every message to one resident carries."""

    @property
    def chat_id(self) -> int | None:
        """Return the resident's chat, or None once they withdrew."""
        ...

    @property
    def language(self) -> str:
        """Return the resident's language ("" if not known)."""
        ...

    @property
    def attempts(self) -> int:
        """Return the failed attempts before this one."""
        ...


M = TypeVar("M", bound=ResidentMessage)


class ToResident(ABC, Generic[M]):
    """An outbox kind whose every row is one message (or a few) to one resident."""

    name: str  # what the log calls one row, e.g. "follow-up"
    stopped: str  # what the log says stops when the resident blocks the bot, e.g. "follow-ups"

    def __init__(
        self, *, db: Database, content: Content, delivery: Delivery, default_language: str
    ) -> None:
        self.db = db
        self.content = content
        self.delivery = delivery
        self.default_language = default_language

    @abstractmethod
    def load(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> M | None:
        """Lease the due row ``row_id`` and load its message; None if it is not due."""

    @abstractmethod
    def sendable(self, message: M) -> bool:
        """Tell whether ``message`` still has something to say."""

    @abstractmethod
    async def replies(self, message: M, language: str) -> Sequence[Reply]:
        """Return what ``message`` says, in order."""

    @abstractmethod
    def drop(self, session: Session, *, row_id: int) -> None:
        """Forget row ``row_id``: it will never be sent."""

    @abstractmethod
    def stop(self, session: Session, *, row_id: int) -> None:
        """The resident of row ``row_id`` blocked the bot: owe them nothing more of this kind."""

    def claim(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> Leased[M] | None:
        """Lease a due row and load what to send (the outbox's ``Kind.claim``)."""
        message = self.load(session, row_id=row_id, claim=claim, now=now, until=until)
        return None if message is None else Leased(row_id, claim, message.attempts, message)

    def sender(self) -> Send[M]:
        """Return the sender (nothing is shared between sends)."""
        return self._send

    async def _send(self, leased: Leased[M]) -> bool:
        message = leased.message
        chat_id = message.chat_id
        if chat_id is None or not self.sendable(message):
            await self.db.run(self.drop, row_id=leased.id)  # withdrew, or nothing left to say
            return False
        language = message.language or self.default_language
        try:
            for reply in await self.replies(message, language):
                await self.delivery.send(chat_id, render(reply, self.content, language, _escape))
        except TelegramForbiddenError:
            log.info(
                "%s %d: the resident blocked the bot; %s stopped",
                self.name,
                leased.id,
                self.stopped,
            )
            await self.db.run(self.stop, row_id=leased.id)
            return False
        return True


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
