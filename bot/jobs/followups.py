"""Follow-ups as a kind of outbox message: owed to workshop participants, sent once, in daytime.

The rows in ``follow_up`` say what is due; ``bot.jobs.outbox`` leases and sends them (as it does
the digests), so a restart or a second process neither loses nor repeats one. Within
``QUIET_HOURS`` (21:00 to 08:00 in ``TIMEZONE`` by default) nothing is sent: it waits.
"""

import html
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramForbiddenError
from sqlmodel import Session

from bot.jobs.outbox import Clock, Leased, Policy, QuietOutbox, Send
from bot.telegram.delivery import Delivery
from flows.content import Content
from flows.follow_up import FollowUpMessage, follow_up_replies
from flows.quiet_hours import QuietHours
from flows.render import render
from storage import queries
from storage.database import Database
from storage.models import FollowUp

log = logging.getLogger(__name__)
# One at a time: the pacer spaces them within Telegram's limits. 200 a run; the rest wait.
POLICY = Policy(
    lease=timedelta(minutes=10),
    retry_first=timedelta(minutes=5),
    retry_max=timedelta(hours=6),
    concurrency=1,
    batch=200,
)


class FollowUpKind:
    """The follow-up kind of outbox message."""

    name = "follow-up"
    table = FollowUp
    policy = POLICY

    def __init__(
        self, *, db: Database, content: Content, delivery: Delivery, default_language: str
    ) -> None:
        self.db = db
        self.content = content
        self.delivery = delivery
        self.default_language = default_language

    def claim(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> Leased[FollowUpMessage] | None:
        """Lease a due follow-up and load the resident's problems it asks about."""
        message = queries.claim_follow_up(
            session=session, follow_up_id=row_id, claim=claim, now=now, until=until
        )
        return None if message is None else Leased(row_id, claim, message.attempts, message)

    def sender(self) -> Send[FollowUpMessage]:
        """Return the sender of follow-ups (nothing is shared between them)."""
        return self._send

    async def _send(self, leased: Leased[FollowUpMessage]) -> bool:
        message = leased.message
        if message.chat_id is None or (message.round > 0 and not message.problems):
            # Withdrew, or nothing to ask: never to be sent.
            await self.db.run(queries.drop_follow_up, follow_up_id=leased.id)
            return False
        language = message.language or self.default_language
        try:
            for reply in follow_up_replies(message):
                await self.delivery.send(
                    message.chat_id, render(reply, self.content, language, _escape)
                )
        except TelegramForbiddenError:
            log.info("follow-up %d: the resident blocked the bot; follow-ups stopped", leased.id)
            await self.db.run(_stop_follow_ups, follow_up_id=leased.id)
            return False
        return True


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


def _stop_follow_ups(session: Session, *, follow_up_id: int) -> None:
    resident_id = queries.follow_up_resident(session=session, follow_up_id=follow_up_id)
    if resident_id is not None:
        queries.stop_follow_ups(session=session, resident_id=resident_id)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
