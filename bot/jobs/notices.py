"""Status news as the outbox's third kind: owed to residents who agreed, sent once, in daytime.

The rows in ``status_notice`` say who is owed the news of which change; ``bot.jobs.outbox``
leases and sends them as it does digests and follow-ups, so a restart or a second process
neither loses nor repeats one. Within ``QUIET_HOURS`` nothing is sent: it waits for the morning.
With ``TRANSLATE_URL`` set, a note not in the resident's language goes with its machine
translation, asked for after the lease's transaction and never waited for beyond the
translator's time budget: without one the note goes alone.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.jobs.outbox import Clock, Policy, QuietOutbox
from bot.jobs.to_residents import ToResident
from bot.services.translation import Translator
from bot.telegram.delivery import Delivery
from flows.content import Content
from flows.outputs import Reply
from flows.quiet_hours import QuietHours
from flows.status import StatusNoticeMessage, status_notice
from storage import queries
from storage.database import Database
from storage.models import StatusNotice

# A change can reach hundreds at once: several in flight, the pacer keeps Telegram's limits.
POLICY = Policy(
    lease=timedelta(minutes=10),
    retry_first=timedelta(minutes=5),
    retry_max=timedelta(hours=6),
    concurrency=8,
    batch=500,
)


class NoticeKind(ToResident[StatusNoticeMessage]):
    """The status-news kind of outbox message."""

    name = "status notice"
    stopped = "news"
    table = StatusNotice
    policy = POLICY

    def __init__(
        self,
        *,
        db: Database,
        content: Content,
        delivery: Delivery,
        default_language: str,
        translator: Translator | None = None,
    ) -> None:
        super().__init__(
            db=db, content=content, delivery=delivery, default_language=default_language
        )
        self.translator = translator

    def load(
        self, session: Session, *, row_id: int, claim: str, now: datetime, until: datetime
    ) -> StatusNoticeMessage | None:
        """Lease a due notice and load the latest status and the resident's reports."""
        return queries.claim_status_notice(
            session=session, notice_id=row_id, claim=claim, now=now, until=until
        )

    def sendable(self, message: StatusNoticeMessage) -> bool:
        """Tell whether any of the resident's reports is still in the theme."""
        return message.sendable

    async def replies(self, message: StatusNoticeMessage, language: str) -> Sequence[Reply]:
        """Return the news, with the note machine-translated when it is in another language."""
        if self.translator is not None and message.note:
            translated = await asyncio.to_thread(
                self.translator.translate_note, message.note, message.note_language, language
            )
            message = replace(message, note_translated=translated)
        return [status_notice(message, self.content)]

    def drop(self, session: Session, *, row_id: int) -> None:
        """Forget a notice that will never be sent."""
        queries.drop_status_notice(session=session, notice_id=row_id)

    def stop(self, session: Session, *, row_id: int) -> None:
        """The resident blocked the bot: withdraw their wish to hear back."""
        resident_id = queries.notice_resident(session=session, notice_id=row_id)
        if resident_id is not None:
            queries.withdraw_hear_back(session=session, resident_id=resident_id)


class StatusNews(QuietOutbox[StatusNoticeMessage]):
    """Send due status news; one instance per process, called by the scheduler every minute."""

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
        translator: Translator | None = None,
    ) -> None:
        kind = NoticeKind(
            db=db,
            content=content,
            delivery=delivery,
            default_language=default_language,
            translator=translator,
        )
        super().__init__(kind, db=db, clock=clock, zone=zone, quiet=quiet)
        self.db = db
        self.translator = translator
        self.languages = content.languages

    async def send_due(self) -> int:
        """Send the due news; then translate current notes not yet translated (for /mine)."""
        sent = await super().send_due()
        if self.translator is not None:
            notes = await self.db.run(queries.current_notes)
            await asyncio.to_thread(self.translator.warm_notes, notes, self.languages)
        return sent
