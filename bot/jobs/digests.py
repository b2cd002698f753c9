"""Digests as a kind of outbox message: recorded once per subscriber and period, sent once.

What is due is decided by the injected clock and recorded in the database (one row per
subscriber and period), so a restart, a bot that was down at the due time, or a second process
neither loses nor repeats a digest. ``bot.jobs.outbox`` leases and sends the rows; a digest resumes
after the parts Telegram already accepted.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlmodel import Session

from bot.jobs.outbox import Clock, Leased, Outbox, Policy, Send
from bot.services.digests import ROLLING_DAYS, DigestBuilder, Package, Progress, send_package
from bot.telegram.delivery import Delivery
from flows.periods import Period, due_digests, rolling_period
from storage import queries
from storage.models import DigestDelivery

# A digest is several messages a second apart in one chat: 48 chats at once keep the pacer at
# Telegram's cap (measured: 8 at once reached ~10 messages/s; see docs/BENCHMARKS.md).
POLICY = Policy(
    lease=timedelta(minutes=15),
    retry_first=timedelta(minutes=1),
    retry_max=timedelta(hours=1),
    concurrency=48,
)
LEASE = POLICY.lease


@dataclass(frozen=True, slots=True)
class Owed:
    """A digest leased to this process: what to build, where it goes, how far it got."""

    period: Period
    rolling: bool  # the last 7 days (`innspill digest --send`), not a calendar period
    chat_id: int | None
    language: str
    parts_sent: int


class Digests:
    """The digest kind of outbox message."""

    name = "digest"
    table = DigestDelivery

    def __init__(
        self, *, builder: DigestBuilder, delivery: Delivery, policy: Policy = POLICY
    ) -> None:
        self.builder = builder
        self.delivery = delivery
        self.policy = policy

    def claim(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> Leased[Owed] | None:
        """Lease a due digest and say where it goes and how far it got."""
        claimed = queries.claim_delivery(
            session=session, delivery_id=row_id, claim=claim, now=now, until=until
        )
        if claimed is None:
            return None
        row, staff = claimed
        owed = Owed(
            period=Period(row.period_start, row.period_end),
            rolling=row.kind == "manual",
            chat_id=staff.chat_id,
            language=staff.language,
            parts_sent=row.parts_sent,
        )
        return Leased(row_id, claim, row.attempts, owed)

    def sender(self) -> Send[Owed]:
        """Return a sender whose subscribers owed one period in one language share a build."""
        packages: dict[tuple[Period, str, bool], asyncio.Task[Package]] = {}

        async def send(leased: Leased[Owed]) -> bool:
            owed = leased.message
            if owed.chat_id is None:
                raise LookupError("the staff member has not written to the bot yet")
            key = (owed.period, owed.language, owed.rolling)
            if key not in packages:
                packages[key] = asyncio.create_task(
                    asyncio.to_thread(
                        self.builder.package, owed.period, owed.language, rolling=owed.rolling
                    )
                )
            await send_package(
                self.delivery,
                owed.chat_id,
                await packages[key],
                skip=owed.parts_sent,
                progress=self._progress(leased),
            )
            return True

        return send

    def _progress(self, leased: Leased[Owed]) -> Progress:
        async def note(sent: int) -> bool:
            return await self.builder.db.run(
                queries.note_parts_sent, delivery_id=leased.id, claim=leased.claim, parts_sent=sent
            )

        return note


class DigestOutbox:
    """Record the digests subscribers are owed, and send each one once."""

    def __init__(
        self,
        *,
        builder: DigestBuilder,
        delivery: Delivery,
        clock: Clock,
        digest_time: time,
        policy: Policy = POLICY,
    ) -> None:
        self.db = builder.db
        self.zone = builder.zone
        self.clock = clock
        self.digest_time = digest_time
        kind = Digests(builder=builder, delivery=delivery, policy=policy)
        self.outbox = Outbox(kind, db=self.db, clock=clock)

    async def run(self) -> int:
        """Record what fell due by now, then send every due digest; return how many went."""
        await self.db.run(self._record_due, now=self.clock())
        return await self.send_due()

    async def send_due(self) -> int:
        """Send every digest that is due and not leased; return how many were delivered."""
        return await self.outbox.send_due()

    def record_due(self, now: datetime) -> int:
        """Record each subscriber's digests that fell due by ``now``; return how many are new."""
        return self.db.call(self._record_due, now=now)

    def record_now(self, now: datetime) -> int:
        """Owe every subscriber the digest of the last 7 days (``innspill digest --send``)."""
        return self.db.call(_record_rolling, now=now)

    def _record_due(self, session: Session, *, now: datetime) -> int:
        added = 0
        for staff in queries.subscribers(session=session):
            assert staff.id is not None and staff.subscribed_at is not None
            dues = due_digests(
                staff.frequency, staff.subscribed_at, now, self.zone, self.digest_time
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


def _record_rolling(session: Session, *, now: datetime) -> int:
    period = rolling_period(now, ROLLING_DAYS)
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
