"""Daily clean-up: forget silent residents and old update ids (run by the scheduler's leader)."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from flows.opening import HELD_FOR
from storage import queries
from storage.database import Database
from storage.engine import checkpoint

log = logging.getLogger(__name__)
EVERY = timedelta(days=1)
# Telegram redelivers an update for at most a day; a week of ids is a wide margin.
KEEP_UPDATE_IDS = timedelta(days=7)


class Housekeeping:
    """Purge what the privacy rules say must go; at most once per ``every``."""

    def __init__(
        self,
        *,
        db: Database,
        clock: Callable[[], datetime],
        retention: timedelta,
        problem_retention: timedelta | None = None,
        every: timedelta = EVERY,
    ) -> None:
        self.db = db
        self.clock = clock
        self.retention = retention
        self.problem_retention = problem_retention
        self.every = every
        self._last: datetime | None = None

    async def run(self) -> None:
        """Clean up if a day has passed since the last time (and at start)."""
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        forgotten, expired, pruned = await self.db.run(self._clean, now=now)
        self._last = now
        if expired:
            await asyncio.to_thread(checkpoint, self.db.engine)  # no copy left in the WAL
        log.info(
            "housekeeping: %d silent residents forgotten, %d old problems deleted, "
            "%d update ids pruned",
            forgotten,
            expired,
            pruned,
        )

    def clean(self, now: datetime) -> tuple[int, int, int]:
        """Forget silent residents, delete problems past their retention, prune update ids."""
        return self.db.call(self._clean, now=now)

    def _clean(self, session: Session, *, now: datetime) -> tuple[int, int, int]:
        forgotten = queries.purge_inactive(session=session, last_seen_before=now - self.retention)
        # Someone who never consented may have a first message held: a day, no longer.
        forgotten += queries.forget_unconsented(session=session, last_seen_before=now - HELD_FOR)
        expired = 0
        if self.problem_retention is not None:
            expired = queries.purge_old_problems(
                session=session, created_before=now - self.problem_retention
            )
        pruned = queries.prune_processed_updates(session=session, older_than=now - KEEP_UPDATE_IDS)
        return forgotten, expired, pruned
