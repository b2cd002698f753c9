"""Run one resident input through the interview in one database transaction.

Both transports (Telegram and the terminal) use this: they turn their input into an ``Event``,
call ``Conversations.handle`` and deliver the rendered replies. The state, the claimed update id
and everything the interview asked to store are committed together, before any reply is sent.
"""

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flows.content import Content
from flows.events import Event
from flows.interview import Interview
from flows.outputs import Output, RecordConsent, Reply, SaveProblem, SetLanguage
from flows.render import Escape, Rendered, render
from flows.state import InterviewState
from storage import queries
from storage.engine import session_scope

log = logging.getLogger(__name__)


def pseudonym(key: bytes, channel: str, user_id: int | str) -> str:
    """Return the stable pseudonym of a user: an HMAC, so the raw id is never stored."""
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Turn:
    """What one input produced: the replies to send, in the resident's language."""

    replies: tuple[Rendered, ...]
    language: str
    duplicate: bool = False


class Conversations:
    """Apply inputs to residents' interviews and store the results."""

    def __init__(
        self,
        *,
        engine: Engine,
        content: Content,
        default_language: str,
        clock: Callable[[], datetime],
        source: str,
    ) -> None:
        self.engine = engine
        self.content = content
        self.interview = Interview(content)
        self.default_language = default_language
        self.clock = clock
        self.source = source

    async def handle(
        self, resident: str, event: Event, *, escape: Escape, update_id: int | None = None
    ) -> Turn:
        """Apply ``event`` for the resident with pseudonym ``resident``; return the replies."""
        return await asyncio.to_thread(self.handle_sync, resident, event, escape, update_id)

    def handle_sync(
        self, resident: str, event: Event, escape: Escape, update_id: int | None = None
    ) -> Turn:
        """Apply ``event`` in one transaction (blocking): see ``handle``."""
        with session_scope(self.engine) as session:
            if update_id is not None and not queries.claim_update(
                session=session, update_id=update_id, now=event.now
            ):
                log.info("update %s was already applied; ignoring the repeat", update_id)
                return Turn((), self.default_language, duplicate=True)
            row = queries.get_or_create_resident(
                session=session, pseudonym=resident, now=event.now, lock=True
            )
            assert row.id is not None
            stored = queries.load_state(session=session, resident_id=row.id)
            state = InterviewState.from_dict(stored) if stored else InterviewState()
            state, outputs = self.interview.advance(state, event)
            self._store(session, row.id, outputs, event.now)
            queries.save_state(
                session=session, resident_id=row.id, state=state.to_dict(), now=event.now
            )
        language = state.language or self.default_language
        replies = tuple(
            render(out, self.content, language, escape)
            for out in outputs
            if isinstance(out, Reply)
        )
        return Turn(replies, language)

    def _store(
        self, session: Session, resident_id: int, outputs: list[Output], now: datetime
    ) -> None:
        for output in outputs:
            match output:
                case SaveProblem(problem=problem, at=at):
                    queries.add_problem(
                        session=session,
                        resident_id=resident_id,
                        draft=problem,
                        source=self.source,
                        now=at,
                    )
                    log.info(
                        "problem saved (language %s, area %s)", problem.language, problem.area
                    )
                case RecordConsent(version=version, at=at):
                    queries.record_consent(
                        session=session, resident_id=resident_id, version=version, now=at
                    )
                case SetLanguage(language=language):
                    queries.set_language(
                        session=session, resident_id=resident_id, language=language
                    )
