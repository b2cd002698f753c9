"""The scheduler: one frequent job records the digests that fell due and sends them once.

APScheduler only says *when* to look (every minute); what is due is decided by the injected
clock and recorded in the database (one row per subscriber and period), so a restart, a bot that
was down at the due time, or a second process neither loses nor repeats a digest. Each row is
leased in a short transaction before it is sent and marked sent afterwards; Telegram is never
awaited inside a transaction.
"""

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramAPIError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Delivery, DeliveryFailed
from bot.digests import ROLLING_DAYS, DigestBuilder, LeaseLost, Package, Progress, send_package
from flows.digest import Period, due_digests, rolling_period
from storage import queries
from storage.engine import session_scope
from storage.models import DigestDelivery

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
JOB_ID = "digests"
INTERVAL = 60.0  # seconds between looks at what is due
STOP_GRACE = 10.0  # seconds a running look may take to finish when the bot stops
LEASE = timedelta(minutes=15)  # longer than the slowest send with every retry
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
CONCURRENCY = 8  # digests sent at once; the pacer keeps the total within Telegram's limits


class Scheduler:
    """Run ``job`` every ``interval`` seconds in the running event loop (one process only)."""

    def __init__(
        self,
        *,
        job: Callable[[], Awaitable[object]],
        zone: ZoneInfo,
        interval: float = INTERVAL,
        grace: float = STOP_GRACE,
    ) -> None:
        self.job = job
        self.zone = zone
        self.interval = interval
        self.grace = grace
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[object] | None = None

    def start(self) -> None:
        """Add the job (at once, to catch up, then every ``interval``) and start; needs a loop."""
        # APScheduler reports every run at INFO: once a minute is noise, failures stay visible.
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(timezone=self.zone, jobstores={"default": MemoryJobStore()})
        scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.interval, timezone=self.zone),
            id=JOB_ID,
            replace_existing=True,
            next_run_time=datetime.now(self.zone),
            max_instances=2,  # the second returns at once: no "skipped" warning while sending
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Let a running job finish (up to ``grace`` seconds), then shut the scheduler down."""
        if self._scheduler is None:
            return
        self._scheduler.pause()
        if self._running is not None:
            await asyncio.wait({self._running}, timeout=self.grace)
        self._scheduler.shutdown(wait=False)  # cancels a job still running: its lease expires
        self._scheduler = None

    async def _tick(self) -> None:
        if self._running is not None:
            return  # the previous look is still sending; it will see what is due
        self._running = asyncio.current_task()
        try:
            await self.job()
        except Exception as error:
            log.error("scheduled job failed (%s)", type(error).__name__)
            log.debug("scheduled job failed", exc_info=True)
        finally:
            self._running = None


@dataclass(frozen=True, slots=True)
class _Owed:
    """A digest leased to this process: what to build, where it goes, how far it got."""

    id: int
    claim: str
    period: Period
    rolling: bool  # the last 7 days (`innspill digest --send`), not a calendar period
    chat_id: int | None
    language: str
    parts_sent: int
    attempts: int


class DigestOutbox:
    """Record the digests subscribers are owed, and send each one once."""

    def __init__(
        self,
        *,
        builder: DigestBuilder,
        delivery: Delivery,
        clock: Clock,
        digest_time: time,
    ) -> None:
        self.builder = builder
        self.engine = builder.engine
        self.delivery = delivery
        self.clock = clock
        self.digest_time = digest_time

    async def run(self) -> int:
        """Record what fell due by now, then send every due digest; return how many went."""
        await asyncio.to_thread(self.record_due, self.clock())
        return await self.send_due()

    def record_due(self, now: datetime) -> int:
        """Record each subscriber's digests that fell due by ``now``; return how many are new."""
        zone = self.builder.zone
        added = 0
        with session_scope(self.engine) as session:
            for staff in queries.subscribers(session=session):
                assert staff.id is not None and staff.subscribed_at is not None
                dues = due_digests(
                    staff.frequency, staff.subscribed_at, now, zone, self.digest_time
                )
                for due in dues:
                    added += queries.record_delivery(
                        session=session,
                        staff_id=staff.id,
                        kind=staff.frequency,
                        period_start=due.period.start,
                        period_end=due.period.end,
                        due_at=due.at,
                    )
        return added

    def record_now(self, now: datetime) -> int:
        """Owe every subscriber the digest of the last 7 days (``innspill digest --send``)."""
        period = rolling_period(now, ROLLING_DAYS)
        with session_scope(self.engine) as session:
            return sum(
                queries.record_delivery(
                    session=session,
                    staff_id=staff.id,
                    kind="manual",
                    period_start=period.start,
                    period_end=period.end,
                    due_at=now,
                )
                for staff in queries.subscribers(session=session)
                if staff.id is not None
            )

    async def send_due(self) -> int:
        """Send every digest that is due and not leased; return how many were delivered."""
        ids = await asyncio.to_thread(self._due, self.clock())
        gate = asyncio.Semaphore(CONCURRENCY)
        # Subscribers owed the same period in the same language share one build.
        packages: dict[tuple[Period, str, bool], asyncio.Task[Package]] = {}

        async def one(delivery_id: int) -> bool:
            async with gate:
                return await self._deliver(delivery_id, packages)

        return sum(await asyncio.gather(*(one(delivery_id) for delivery_id in ids)))

    def _due(self, now: datetime) -> list[int]:
        with session_scope(self.engine) as session:
            return queries.outbox_due(session=session, table=DigestDelivery, now=now)

    async def _deliver(
        self, delivery_id: int, packages: dict[tuple[Period, str, bool], asyncio.Task[Package]]
    ) -> bool:
        owed = await asyncio.to_thread(self._claim, delivery_id, secrets.token_hex(8))
        if owed is None:
            return False  # sent, or being sent by someone else, meanwhile
        try:
            if owed.chat_id is None:
                raise LookupError("the staff member has not written to the bot yet")
            key = (owed.period, owed.language, owed.rolling)
            if key not in packages:
                packages[key] = asyncio.create_task(
                    asyncio.to_thread(
                        self.builder.package, owed.period, owed.language, rolling=owed.rolling
                    )
                )
            package = await packages[key]
            progress = self._progress(delivery_id, owed.claim)
            await send_package(
                self.delivery, owed.chat_id, package, skip=owed.parts_sent, progress=progress
            )
        except (TelegramAPIError, DeliveryFailed, LeaseLost, LookupError) as error:
            await asyncio.to_thread(self._release, owed, error)
            return False
        except Exception as error:
            # A bug or the database: keep the digest due, and keep the trace for DEBUG only.
            log.debug("digest %d failed", delivery_id, exc_info=True)
            await asyncio.to_thread(self._release, owed, error)
            return False
        if not await asyncio.to_thread(self._finish, delivery_id, owed.claim):
            log.warning("digest %d: lease lost before it was marked sent", delivery_id)
        log.info("digest %d delivered (%d parts)", delivery_id, package.parts)
        return True

    def _claim(self, delivery_id: int, claim: str) -> _Owed | None:
        now = self.clock()
        with session_scope(self.engine) as session:
            claimed = queries.claim_delivery(
                session=session, delivery_id=delivery_id, claim=claim, now=now, until=now + LEASE
            )
            if claimed is None:
                return None
            row, staff = claimed
            return _Owed(
                id=delivery_id,
                claim=claim,
                period=Period(row.period_start, row.period_end),
                rolling=row.kind == "manual",
                chat_id=staff.chat_id,
                language=staff.language,
                parts_sent=row.parts_sent,
                attempts=row.attempts,
            )

    def _progress(self, delivery_id: int, claim: str) -> Progress:
        async def note(sent: int) -> bool:
            return await asyncio.to_thread(self._note, delivery_id, claim, sent)

        return note

    def _note(self, delivery_id: int, claim: str, sent: int) -> bool:
        with session_scope(self.engine) as session:
            return queries.note_parts_sent(
                session=session, delivery_id=delivery_id, claim=claim, parts_sent=sent
            )

    def _finish(self, delivery_id: int, claim: str) -> bool:
        with session_scope(self.engine) as session:
            return queries.outbox_finish(
                session=session,
                table=DigestDelivery,
                row_id=delivery_id,
                claim=claim,
                now=self.clock(),
            )

    def _release(self, owed: _Owed, error: Exception) -> None:
        retry_at = self.clock() + min(RETRY_FIRST * 2**owed.attempts, RETRY_MAX)
        name = type(error).__name__
        with session_scope(self.engine) as session:
            queries.outbox_release(
                session=session,
                table=DigestDelivery,
                row_id=owed.id,
                claim=owed.claim,
                retry_at=retry_at,
                error=name,
            )
        # The error's name only: its message could quote what we tried to send.
        log.warning(
            "digest %d not delivered (%s, attempt %d); retrying at %s",
            owed.id,
            name,
            owed.attempts + 1,
            retry_at.isoformat(timespec="minutes"),
        )
