"""Send the follow-ups owed to workshop participants: once each, in daytime, within limits.

``FollowUps.send_due`` is a scheduler job: the rows in ``follow_up`` say what is due, each is
leased in a short transaction before it is sent and marked sent afterwards (as the digests are),
so a restart or a second process neither loses nor repeats one. Between 21:00 and 08:00 in
``TIMEZONE`` nothing is sent: what falls due then waits for the morning.
"""

import asyncio
import html
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from sqlalchemy.engine import Engine

from bot.delivery import Delivery, DeliveryFailed
from flows.content import Content
from flows.follow_up import FollowUpMessage, follow_up_replies, outside_quiet_hours
from flows.render import render
from storage import queries
from storage.engine import session_scope

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
LEASE = timedelta(minutes=10)
RETRY_FIRST = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=6)
BATCH = 200  # follow-ups looked at per run; the rest wait for the next minute


class FollowUps:
    """Send due follow-ups; one instance per process, called by the scheduler every minute."""

    def __init__(
        self,
        *,
        engine: Engine,
        content: Content,
        delivery: Delivery,
        clock: Clock,
        zone: ZoneInfo,
        default_language: str,
    ) -> None:
        self.engine = engine
        self.content = content
        self.delivery = delivery
        self.clock = clock
        self.zone = zone
        self.default_language = default_language

    async def send_due(self) -> int:
        """Send every follow-up that is due now (none at night); return how many went."""
        now = self.clock()
        if outside_quiet_hours(now, self.zone) != now:
            return 0  # held until 08:00
        ids = await asyncio.to_thread(self._due, now)
        sent = 0
        for follow_up_id in ids:  # one by one: the pacer spaces them within Telegram's limits
            sent += await self._send(follow_up_id)
        return sent

    def _due(self, now: datetime) -> list[int]:
        with session_scope(self.engine) as session:
            return queries.due_follow_ups(session=session, now=now, limit=BATCH)

    async def _send(self, follow_up_id: int) -> bool:
        claim = secrets.token_hex(8)
        message = await asyncio.to_thread(self._claim, follow_up_id, claim)
        if message is None:
            return False  # sent, or being sent by another process, meanwhile
        if message.chat_id is None or (message.round > 0 and not message.problems):
            await asyncio.to_thread(self._drop, follow_up_id)  # withdrew, or nothing to ask
            return False
        language = message.language or self.default_language
        try:
            for reply in follow_up_replies(message, self.content):
                await self.delivery.send(
                    message.chat_id, render(reply, self.content, language, _escape)
                )
        except TelegramForbiddenError:
            log.info("follow-up %d: the resident blocked the bot; follow-ups stopped", message.id)
            await asyncio.to_thread(self._blocked, follow_up_id)
            return False
        except (TelegramAPIError, DeliveryFailed) as error:
            await asyncio.to_thread(self._release, message, claim, error)
            return False
        await asyncio.to_thread(self._finish, follow_up_id, claim)
        log.info("follow-up %d sent (round %d)", follow_up_id, message.round)
        return True

    def _claim(self, follow_up_id: int, claim: str) -> FollowUpMessage | None:
        now = self.clock()
        with session_scope(self.engine) as session:
            return queries.claim_follow_up(
                session=session, follow_up_id=follow_up_id, claim=claim, now=now, until=now + LEASE
            )

    def _finish(self, follow_up_id: int, claim: str) -> None:
        with session_scope(self.engine) as session:
            if not queries.finish_follow_up(
                session=session, follow_up_id=follow_up_id, claim=claim, now=self.clock()
            ):
                log.warning("follow-up %d: lease lost before it was marked sent", follow_up_id)

    def _drop(self, follow_up_id: int) -> None:
        with session_scope(self.engine) as session:
            queries.drop_follow_up(session=session, follow_up_id=follow_up_id)

    def _blocked(self, follow_up_id: int) -> None:
        with session_scope(self.engine) as session:
            resident_id = queries.follow_up_resident(session=session, follow_up_id=follow_up_id)
            if resident_id is not None:
                queries.stop_follow_ups(session=session, resident_id=resident_id)

    def _release(self, message: FollowUpMessage, claim: str, error: Exception) -> None:
        retry_at = self.clock() + min(RETRY_FIRST * 2**message.attempts, RETRY_MAX)
        with session_scope(self.engine) as session:
            queries.release_follow_up(
                session=session,
                follow_up_id=message.id,
                claim=claim,
                retry_at=retry_at,
                error=type(error).__name__,
            )
        log.warning("follow-up %d not sent (%s); retrying later", message.id, type(error).__name__)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)
