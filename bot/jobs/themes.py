"""Theme assignment: give new problems their theme in small batches, in the background.

Problems are saved without a theme; ``ThemeAssigner`` gives them one in id order, a batch per
transaction, numbering each assignment (``theme_seq``). The model is a snapshot plus the
assignments made since, which ``assign`` repeats exactly (it is deterministic): a batch writes
only its theme ids, and the snapshot once every ``SNAPSHOT_EVERY`` problems, so the cost per
problem does not grow with the model. The state row is locked while a batch runs and its
``revision`` grows with every write: a restart, a second process, or a rebuild or merge
(``bot.services.themes``) is serialised and noticed, never overwritten. Run the assigner in one
process (the one that runs the scheduler); a second one is safe, only slower.
"""

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.services.themes import current_model, theme_labels
from flows.themes import ThemeModel, assign
from storage import queries
from storage.engine import session_scope
from storage.models import ThemeState

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
BATCH = 100  # problems per transaction: short locks
SNAPSHOT_EVERY = 1_000  # problems between snapshots; a restart repeats at most this many
LOOK_BATCHES = 20  # batches a scheduler look assigns before its other jobs run


class ThemeAssigner:
    """Give every problem without a theme one, keeping the model in memory between batches."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        batch: int = BATCH,
        snapshot_every: int = SNAPSHOT_EVERY,
        look_batches: int = LOOK_BATCHES,
        hand_on: Callable[[], None] | None = None,
    ) -> None:
        if batch < 1 or snapshot_every < 1 or look_batches < 1:
            raise ValueError("batch, snapshot_every and look_batches must be at least 1")
        self.engine = engine
        self.clock = clock
        self.batch = batch
        self.snapshot_every = snapshot_every
        self.look_batches = look_batches
        self.hand_on = hand_on
        self._model: ThemeModel | None = None
        self._revision = -1
        self._lock = threading.Lock()  # a scheduler tick and a wake-up after a save may overlap

    async def run(self, *, batches: int | None = None) -> int:
        """Assign what is pending, a batch at a time in a worker thread; return how many.

        A scheduler job and a wake-up after a save run it; with ``batches``, at most that many
        batches (the rest waits for the next run). Each batch goes back to the event loop
        before the next: a resident's write waiting for the writer lock (SQLite's, queued in
        ``storage.engine``) takes it meanwhile. Batch after batch in one thread, the lock went
        back to the assigner nearly every time, and a backlog of a million problems held
        residents' answers up to a minute.
        """
        done = runs = 0
        while batches is None or runs < batches:
            count = await asyncio.to_thread(self.assign_pending, limit=self.batch)
            if count == 0:
                break
            done, runs = done + count, runs + 1
        return done

    async def look(self) -> int:
        """Assign a scheduler look's share of the waiting problems; hand on a longer backlog.

        A week's new problems take a batch or two, so the digests sent in the same look see
        their themes. An import's backlog (a million problems take half an hour) is handed to
        ``hand_on`` (the background run that gives a saved problem its theme), and the look's
        other jobs (digests, follow-ups, status news) run now instead of after it.
        """
        done = await self.run(batches=self.look_batches)
        if done >= self.look_batches * self.batch and self.hand_on is not None:
            self.hand_on()  # perhaps more waiting
        return done

    def assign_pending(self, *, limit: int | None = None) -> int:
        """Assign the problems that have no theme (at most ``limit``); return how many."""
        done = 0
        with self._lock:
            while limit is None or done < limit:
                size = self.batch if limit is None else min(self.batch, limit - done)
                count = self._assign_batch(size)
                if count == 0:
                    break
                done += count
        return done

    def _assign_batch(self, size: int) -> int:
        now = self.clock()
        with session_scope(self.engine) as session:
            state = queries.lock_theme_state(session=session)
            model = self._current(session, state)
            pending = queries.unthemed_problems(session=session, limit=size)
            if not pending:
                return 0
            seq, chosen, seqs = state.seq, {}, {}
            for problem_id, text, language in pending:
                model, assignment = assign(model, text, language)
                seq += 1
                chosen[problem_id], seqs[problem_id] = assignment.theme_id, seq
            named = theme_labels(session, model, chosen.values(), moving=chosen)
            queries.store_themes(session=session, labels=named, now=now)
            queries.set_problem_themes(session=session, themes=chosen, seqs=seqs)
            due = seq - state.snapshot_seq >= self.snapshot_every
            revision = queries.write_theme_state(
                session=session,
                now=now,
                seq=seq,
                last_problem_id=max(chosen),
                snapshot=model.to_dict() if due else None,
            )
        # Only once committed: a failed batch leaves the memory as the database is.
        self._model, self._revision = model, revision
        return len(pending)

    def _current(self, session: Session, state: ThemeState) -> ThemeModel:
        """Return the model in memory, or the stored one if another process changed it."""
        if self._model is None or state.revision != self._revision:
            self._model, self._revision = current_model(session, state), state.revision
        return self._model


def assign_pending(engine: Engine, *, clock: Clock) -> int:
    """Assign every problem without a theme now (the command line, the terminal chat)."""
    return ThemeAssigner(engine, clock=clock).assign_pending()
