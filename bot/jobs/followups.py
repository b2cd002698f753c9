"""Follow-ups as a kind of outbox message: owed to workshop participants, sent once, in daytime.

The rows in ``follow_up`` say what is due; ``bot.jobs.outbox`` leases and sends them (as it does
the digests), so a restart or a second process neither loses nor repeats one. Within
``QUIET_HOURS`` (21:00 to 08:00 in ``TIMEZONE`` by default) nothing is sent: it waits.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.jobs.outbox import Clock, Policy, QuietOutbox
from bot.jobs.to_residents import ToResident
from bot.telegram.delivery import Delivery
from flows.content import Content
from flows.follow_up import FollowUpMessage, follow_up_replies
from flows.outputs import Reply
from flows.quiet_hours import QuietHours
from storage import queries
from storage.database import Database
from storage.models import FollowUp

# One at a time: the pacer spaces them within Telegram's limits. 200 a run; the rest wait.
POLICY = Policy(
    lease=timedelta(minutes=10),
    retry_first=timedelta(minutes=5),
    retry_max=timedelta(hours=6),
    concurrency=1,
    batch=200,
)


class FollowUpKind(ToResident[FollowUpMessage]):
    """The follow-up kind of outbox message."""

    name = "follow-up"
    stopped = "follow-ups"
    table = FollowUp
    policy = POLICY

    def load(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> FollowUpMessage | None:
        """Lease a due follow-up and load the resident's problems it asks about."""
        return queries.claim_follow_up(
            session=session, follow_up_id=row_id, claim=claim, now=now, until=until
        )

    def sendable(self, message: FollowUpMessage) -> bool:
        """Tell whether there is anything to ask (a later round asks about problems)."""
        return message.round == 0 or bool(message.problems)

    async def replies(self, message: FollowUpMessage, language: str) -> Sequence[Reply]:
        """Return the follow-up's question(s)."""
        return follow_up_replies(message)

    def drop(self, session: Session, *, row_id: int) -> None:
        """Forget a follow-up that will never be sent."""
        queries.drop_follow_up(session=session, follow_up_id=row_id)

    def stop(self, session: Session, *, row_id: int) -> None:
        """Stop every follow-up of the resident who blocked the bot."""
        resident_id = queries.follow_up_resident(session=session, follow_up_id=row_id)
        if resident_id is not None:
            queries.stop_follow_ups(session=session, resident_id=resident_id)


class FollowUps(QuietOutbox[FollowUpMessage]):
    """Send due follow-ups; one instance per process, called by the scheduler every minute."""

    def __init__(
        self,
        *,
        db: Database,
        content: Content,
        delivery: Delivery,
        clock: Clock,
        zone: ZoneInfo,
        quiet: QuietHours | None,
        default_language: str,
    ) -> None:
        kind = FollowUpKind(
            db=db, content=content, delivery=delivery, default_language=default_language
        )
        super().__init__(kind, db=db, clock=clock, zone=zone, quiet=quiet)
