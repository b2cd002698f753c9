"""Daily clean-up: forget silent residents and old update ids (run by the scheduler's leader).

The residents and problems to forget go a few hundred per transaction: on a database of a
million problems the first clean-up forgot 169,000 residents and deleted 6,400 problems in one
transaction of three minutes (on a busy machine), every resident's answer waiting behind it,
and it held SQLite's bookkeeping for all of them at once (+9 MiB).
"""

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
BATCH = 500  # residents or problems forgotten per transaction


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
        forgotten, expired, pruned = await asyncio.to_thread(self.clean, now)
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
        before = now - self.retention
        forgotten, after = 0, 0
        while after >= 0:  # in id order: no batch reads the residents kept again
            count, after = self.db.call(self._forget_silent, before=before, after=after)
            forgotten += count
        # Someone who never consented may have a first message held: a day, no longer.
        forgotten += self.db.call(queries.forget_unconsented, last_seen_before=now - HELD_FOR)
        expired = 0
        if self.problem_retention is not None:
            old = now - self.problem_retention
            count = BATCH
            while count == BATCH:
                count = self.db.call(queries.purge_old_problems, created_before=old, limit=BATCH)
                expired += count
        pruned = self.db.call(queries.prune_processed_updates, older_than=now - KEEP_UPDATE_IDS)
        return forgotten, expired, pruned

    @staticmethod
    def _forget_silent(session: Session, *, before: datetime, after: int) -> tuple[int, int]:
        """Forget the next batch of silent residents; return how many and the last id (or -1)."""
        ids = queries.silent_residents(
            session=session, last_seen_before=before, after=after, limit=BATCH
        )
        forgotten = queries.purge_inactive(session=session, last_seen_before=before, ids=ids)
        return forgotten, ids[-1] if ids else -1
