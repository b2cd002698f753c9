"""The one outbox: every queued message is leased, sent outside a transaction, and sent once.

A kind of message (digests, follow-ups, …) says which table queues it, how long a lease and the
retries last, how to claim one row (load what to send) and how to send it. The outbox does the
rest for every kind alike: it lists what is due, leases each row under a random claim token,
sends with a pool of ``concurrency`` senders that keeps taking due rows until none is left,
marks a sent row sent, and gives a failed one back to be tried again after ``retry_first``,
doubling up to ``retry_max``. So a restart or a second process
neither loses nor repeats a message; only a crash after Telegram accepted a message but before
that was recorded sends it again. The log names rows and errors, never what was sent.
"""

import asyncio
import logging
import secrets
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.logs import OUTBOX_ITEM
from flows.quiet_hours import QuietHours, outside_quiet_hours
from storage import queries
from storage.database import Database
from storage.queries.outbox import Queued

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Policy:
    """How one kind of message is leased, batched and retried."""

    lease: timedelta  # longer than the slowest send with every retry
    retry_first: timedelta
    retry_max: timedelta
    concurrency: int = 1  # sent at once; the pacer keeps the total within Telegram's limits
    batch: int = 100  # rows looked up at once; the pool looks again when they run out


@dataclass(frozen=True, slots=True)
class Leased(Generic[T]):
    """A message leased to this process under ``claim``."""

    id: int
    claim: str
    attempts: int  # failed attempts before this one
    message: T


Send = Callable[[Leased[T]], Awaitable[bool]]


class Kind(Protocol[T]):
    """One kind of queued message: its table, its policy, how to claim and send one."""

    @property
    def name(self) -> str:
        """Return what the log calls one row, e.g. "digest"."""
        ...

    @property
    def table(self) -> Queued:
        """Return the table that queues this kind."""
        ...

    @property
    def policy(self) -> Policy:
        """Return how this kind is leased, batched and retried."""
        ...

    def claim(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> Leased[T] | None:
        """Lease a due row and load what to send; None if it is sent or leased already."""
        ...

    def sender(self) -> Send[T]:
        """Return the sender for one run: True when sent, False when there was nothing to send.

        It raises when sending failed (the row is then due again later). One run's sender may
        share work between the messages it sends.
        """
        ...


class Outbox(Generic[T]):
    """Send every due message of one kind, each once."""

    def __init__(self, kind: Kind[T], *, db: Database, clock: Clock) -> None:
        self.kind = kind
        self.db = db
        self.clock = clock

    async def send_due(self) -> int:
        """Send every message that is due and not leased; return how many were sent.

        A pool of ``concurrency`` senders takes the due rows in due order; when the rows looked
        at run out, the next free sender looks again, so the pool stays full until nothing is
        due (the pacer, not the pool, keeps the sends within Telegram's limits). A row is tried
        at most once per run: one given back for a retry waits for a later run.
        """
        due = _DueRows(self, self.kind.policy.batch)
        send = self.kind.sender()

        async def sender() -> int:
            sent = 0
            while (row_id := await due.next()) is not None:
                sent += await self._send(row_id, send)
            return sent

        return sum(await asyncio.gather(*(sender() for _ in range(self.kind.policy.concurrency))))

    async def _send(self, row_id: int, send: Send[T]) -> bool:
        OUTBOX_ITEM.set(f"{self.kind.name}:{row_id}")  # this task's log lines carry it
        now = self.clock()
        leased = await self.db.run(
            self.kind.claim,
            row_id=row_id,
            claim=secrets.token_hex(8),
            now=now,
            until=now + self.kind.policy.lease,
        )
        if leased is None:
            return False  # sent, or being sent by someone else, meanwhile
        try:
            if not await send(leased):
                return False
        except Exception as error:
            # The trace at DEBUG only: an error's message could quote what we tried to send.
            log.debug("%s %d failed", self.kind.name, row_id, exc_info=True)
            await self._release(leased, error)
            return False
        finished = await self.db.run(
            queries.outbox_finish,
            table=self.kind.table,
            row_id=row_id,
            claim=leased.claim,
            now=self.clock(),
        )
        if not finished:
            log.warning("%s %d: lease lost before it was marked sent", self.kind.name, row_id)
        log.info("%s %d delivered", self.kind.name, row_id)
        return True

    async def _release(self, leased: Leased[T], error: Exception) -> None:
        policy = self.kind.policy
        retry_at = self.clock() + min(policy.retry_first * 2**leased.attempts, policy.retry_max)
        name = type(error).__name__
        await self.db.run(
            queries.outbox_release,
            table=self.kind.table,
            row_id=leased.id,
            claim=leased.claim,
            retry_at=retry_at,
            error=name,
        )
        log.warning(
            "%s %d not delivered (%s, attempt %d); retrying at %s",
            self.kind.name,
            leased.id,
            name,
            leased.attempts + 1,
            retry_at.isoformat(timespec="minutes"),
        )


class _DueRows:
    """The rows one run of an outbox still has to try, looked up again whenever they run out."""

    def __init__(self, outbox: "Outbox[Any]", batch: int) -> None:
        self.outbox = outbox
        self.batch = batch
        self.waiting: deque[int] = deque()
        self.tried: set[int] = set()  # handed to a sender in this run (claimed, or gone)
        self.done = False
        self.looking = asyncio.Lock()  # one look at a time; the others wait for its rows

    async def next(self) -> int | None:
        """Return the next row to try, or None when nothing more is due."""
        async with self.looking:
            if not self.waiting and not self.done:
                await self._look()
            if not self.waiting:
                return None
            row_id = self.waiting.popleft()
            self.tried.add(row_id)
            return row_id

    async def _look(self) -> None:
        outbox = self.outbox
        # Rows being sent by this run are leased and not due; asking for ``tried`` more keeps a
        # row handed out but not yet leased from hiding the rest.
        ids = await outbox.db.run(
            queries.outbox_due,
            table=outbox.kind.table,
            now=outbox.clock(),
            limit=self.batch + len(self.tried),
        )
        fresh = [row_id for row_id in ids if row_id not in self.tried]
        self.waiting.extend(fresh)
        self.done = not fresh


class QuietOutbox(Generic[T]):
    """An outbox of messages to residents: nothing is sent during the quiet hours."""

    def __init__(
        self,
        kind: Kind[T],
        *,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        quiet: QuietHours | None,
    ) -> None:
        self.outbox = Outbox(kind, db=db, clock=clock)
        self.clock = clock
        self.zone = zone
        self.quiet = quiet

    async def send_due(self) -> int:
        """Send every message that is due now (none in quiet hours); return how many went."""
        now = self.clock()
        if outside_quiet_hours(now, self.zone, self.quiet) != now:
            return 0  # held until the quiet hours end
        return await self.outbox.send_due()
