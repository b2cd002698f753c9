"""Record that answers were delivered, many updates in one short transaction.

Every answered update notes its delivery (a redelivered update then needs no reply again). One
transaction for each cost as much as a small update's own: a thread hop, a session, BEGIN and
COMMIT. The marks asked for while one transaction runs wait and go together in the next one,
so under load many share a statement; alone, a mark is written at once as before. Each caller
still returns only once its mark is committed, and sees the error if writing it failed.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime

from storage.database import Database
from storage.queries import hot_path


class RepliedMarks:
    """Write "answer delivered" marks, the ones that arrive together in one transaction."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, update_id: int) -> None:
        """Record that the answer to ``update_id`` was delivered; return once it is committed."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._waiting.append((update_id, done))
        writer = self._writer
        if writer is None or writer.done() or writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write())
        # A caller cancelled meanwhile cancels only its own future: the others' write goes on.
        await done

    async def _write(self) -> None:
        """Write what is waiting, one transaction at a time, until nothing is."""
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                ids = [update_id for update_id, _ in batch]
                await self.db.run(hot_path.mark_replied_many, update_ids=ids, now=self.clock())
            except Exception as error:  # each caller hears it, as with a write of its own
                for _, done in batch:
                    if not done.done():
                        done.set_exception(error)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
