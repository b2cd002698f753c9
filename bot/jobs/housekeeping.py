"""Daily clean-up: forget silent residents and old update ids (run by the scheduler's leader)."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import Session

from flows.opening import HELD_FOR
from storage import queries
from storage.database import Database

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
        every: timedelta = EVERY,
    ) -> None:
        self.db = db
        self.clock = clock
        self.retention = retention
        self.every = every
        self._last: datetime | None = None

    async def run(self) -> None:
        """Clean up if a day has passed since the last time (and at start)."""
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return
        forgotten, pruned = await self.db.run(self._clean, now=now)
        self._last = now
        log.info(
            "housekeeping: %d silent residents forgotten, %d update ids pruned", forgotten, pruned
        )

    def clean(self, now: datetime) -> tuple[int, int]:
        """Forget silent residents (a day for those who never consented); prune old update ids."""
        return self.db.call(self._clean, now=now)

    def _clean(self, session: Session, *, now: datetime) -> tuple[int, int]:
        forgotten = queries.purge_inactive(session=session, last_seen_before=now - self.retention)
        # Someone who never consented may have a first message held: a day, no longer.
        forgotten += queries.forget_unconsented(session=session, last_seen_before=now - HELD_FOR)
        pruned = queries.prune_processed_updates(session=session, older_than=now - KEEP_UPDATE_IDS)
        return forgotten, pruned
