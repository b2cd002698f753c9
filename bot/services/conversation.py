"""Run one resident input through the interview in one database transaction.

Both transports (Telegram and the terminal) use this: they turn their input into an ``Event``,
call ``Conversations.handle`` and deliver the rendered replies. The state, the claimed update id
and everything the interview asked to store are committed together, before any reply is sent.
"""

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import Session

from bot.metrics import count_turn, interview_event
from bot.services.replied import RepliedMarks
from bot.services.statuses import current_statuses
from flows.closing import lead_with_reference, with_reference
from flows.content import Content
from flows.events import Candidate, Event, Facts, Lookups
from flows.follow_up import parse_offsets
from flows.interview import Interview
from flows.outputs import (
    AgreeToFollowUps,
    AnswerHearBack,
    Endorse,
    EraseResident,
    ListReports,
    Output,
    RecordConsent,
    RecordObservation,
    Reply,
    SaveProblem,
    SendMyData,
    SetLanguage,
    StopFollowUps,
)
from flows.own_reports import OwnReport, my_data_replies, reports_reply
from flows.questions import question
from flows.render import Escape, Rendered, render, render_messages
from flows.state import InterviewState, Step
from flows.workshop import Workshop
from storage import queries
from storage.database import Database
from storage.engine import checkpoint
from storage.queries import hot_path

log = logging.getLogger(__name__)


def pseudonym(key: bytes, channel: str, user_id: int | str) -> str:
    """Return the stable pseudonym of a user: an HMAC, so the raw id is never stored."""
    return hmac.new(key, f"{channel}:{user_id}".encode(), hashlib.sha256).hexdigest()


def key_fingerprint(key: bytes) -> str:
    """Return an HMAC of a fixed text: the same key gives the same value, revealing nothing."""
    return hmac.new(key, b"innspill:pseudonym-key", hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    """A file to send to the resident, with its caption."""

    filename: str
    content: bytes
    caption: Rendered


@dataclass(frozen=True, slots=True)
class Turn:
    """What one input produced: replies and documents to send, in the resident's language."""

    replies: tuple[Rendered, ...]
    language: str
    duplicate: bool = False
    documents: tuple[Document, ...] = ()
    saved: bool = False  # a problem was stored
    interview: str | None = None  # "started", "finished" or "abandoned" (metrics)
    erased: bool = False  # the resident's data was erased


@dataclass
class _Effects:
    """What executing the outputs produced beyond the database rows."""

    documents: list[Document]
    erased: bool = False
    saved: bool = False
    problem_id: int | None = None  # the stored problem, for its reference
    replies: dict[int, list[Reply]] = field(default_factory=dict)  # by output index


class Conversations:
    """Apply inputs to residents' interviews and store the results."""

    def __init__(
        self,
        *,
        db: Database,
        content: Content,
        default_language: str,
        clock: Callable[[], datetime],
        source: str,
        on_saved: Callable[[], object] | None = None,
        translated_notes: bool = False,
    ) -> None:
        self.db = db
        self.content = content
        self.interview = Interview(content)
        self.default_language = default_language
        self.clock = clock
        self.source = source
        # TRANSLATE_URL is set: /mine adds the kept machine translations of staff notes.
        self.translated_notes = translated_notes
        # Called (in the event loop) after a problem was stored, e.g. to assign its theme now.
        self.on_saved = on_saved
        self._replied = RepliedMarks(db, clock)

    async def handle(
        self,
        resident: str,
        event: Event,
        *,
        escape: Escape,
        update_id: int | None = None,
        chat_id: int | None = None,
    ) -> Turn:
        """Apply ``event`` for the resident with pseudonym ``resident``; return the replies.

        ``chat_id`` is where follow-ups would go; it is stored only if the resident agrees.
        """
        turn = await self.db.run(
            self._apply,
            resident=resident,
            event=event,
            escape=escape,
            update_id=update_id,
            chat_id=chat_id,
        )
        count_turn(self.source, turn.interview, turn.saved)
        if turn.saved and self.on_saved is not None:
            self.on_saved()
        if turn.erased:
            # Erased rows linger in the write-ahead log until it is copied back and emptied.
            await asyncio.to_thread(checkpoint, self.db.engine)
        return turn

    def handle_sync(
        self,
        resident: str,
        event: Event,
        escape: Escape,
        update_id: int | None = None,
        chat_id: int | None = None,
    ) -> Turn:
        """Apply ``event`` in one transaction (blocking): see ``handle``."""
        turn = self.db.call(
            self._apply,
            resident=resident,
            event=event,
            escape=escape,
            update_id=update_id,
            chat_id=chat_id,
        )
        count_turn(self.source, turn.interview, turn.saved)
        if turn.erased:
            checkpoint(self.db.engine)
        return turn

    def _apply(
        self,
        session: Session,
        *,
        resident: str,
        event: Event,
        escape: Escape,
        update_id: int | None,
        chat_id: int | None,
    ) -> Turn:
        """Claim the update, advance the resident's interview, and store what it says."""
        # The common steps are a few plain statements (storage/queries/hot_path.py).
        claimed = update_id is None or hot_path.claim_update(
            session=session, update_id=update_id, now=event.now
        )
        row = hot_path.enter_resident(session=session, pseudonym=resident, now=event.now)
        stored = hot_path.load_state(session=session, resident_id=row.id)
        state = InterviewState.from_dict(stored) if stored else InterviewState()
        if not claimed:
            assert update_id is not None
            if queries.was_replied(session=session, update_id=update_id):
                log.info("update %s was already applied and answered", update_id)
                return Turn((), self._language(state), duplicate=True)
            # Applied before, but the answer never arrived: repeat the current question.
            log.info("update %s was already applied; repeating the question", update_id)
            return self._turn(state, question(state, self.content), escape, duplicate=True)
        facts = self._facts(session, row.id, state, self.interview.lookups(state, event), event)
        began = state
        state, outputs = self.interview.advance(state, event, facts)
        effects = self._execute(session, row.id, outputs, state, escape, chat_id)
        outputs = _with_replies(outputs, effects)
        if effects.problem_id is not None:
            prefix = self.content.reference_prefix
            outputs = with_reference(outputs, prefix, effects.problem_id)
            state = lead_with_reference(state, prefix, effects.problem_id)
        if state.step is Step.DECLINED and not row.consent_version:
            # "Nothing was stored": a refusal leaves no pseudonym and no state behind.
            queries.delete_resident(session=session, resident_id=row.id)
        elif not effects.erased:
            hot_path.save_state(
                session=session, resident_id=row.id, state=state.to_dict(), now=event.now
            )
        turn = self._turn(state, outputs, escape, documents=effects.documents)
        progress = interview_event(began, state, effects.saved)
        return replace(turn, saved=effects.saved, interview=progress, erased=effects.erased)

    async def language_of(self, resident: str) -> str:
        """Return the interview language of the resident with pseudonym ``resident``, or ""."""
        return await self.db.run(queries.resident_language, pseudonym=resident)

    async def mark_replied(self, update_id: int) -> None:
        """Record that the answer to ``update_id`` reached the resident (with others at once)."""
        await self._replied.mark(update_id)

    def _turn(
        self,
        state: InterviewState,
        outputs: Sequence[Output],
        escape: Escape,
        duplicate: bool = False,
        documents: Sequence[Document] = (),
    ) -> Turn:
        language = self._language(state)
        replies = tuple(
            message
            for out in outputs
            if isinstance(out, Reply)
            for message in render_messages(out, self.content, language, escape)
        )
        return Turn(replies, language, duplicate, tuple(documents))

    def _language(self, state: InterviewState) -> str:
        return state.language or self.default_language

    def _facts(
        self,
        session: Session,
        resident_id: int,
        state: InterviewState,
        wanted: Lookups,
        event: Event,
    ) -> Facts:
        """Look up what the interview asked for: the workshop of a link, others' problems."""
        workshop = None
        if wanted.workshop_code:
            row = queries.get_workshop(session=session, code=wanted.workshop_code)
            if row is not None and row.expires_at > event.now:
                workshop = Workshop(row.code, row.name, row.group, row.area)
        similar: tuple[Candidate, ...] = ()
        if wanted.similar:
            similar = tuple(
                queries.similar_candidates(
                    session=session,
                    resident_id=resident_id,
                    workshop=state.workshop,
                    area=state.draft.area,
                )
            )
        return Facts(workshop=workshop, similar=similar)

    def _execute(
        self,
        session: Session,
        resident_id: int,
        outputs: Sequence[Output],
        state: InterviewState,
        escape: Escape,
        chat_id: int | None = None,
    ) -> _Effects:
        """Store what the interview asked to store; collect documents to send."""
        effects = _Effects(documents=[])
        for index, output in enumerate(outputs):
            match output:
                case SaveProblem(problem=problem, at=at):
                    effects.problem_id = queries.add_problem(
                        session=session,
                        resident_id=resident_id,
                        problem=problem,
                        source=self.source,
                        now=at,
                    )
                    effects.saved = True
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
                case SendMyData():
                    effects.replies[index] = self._my_data(session, resident_id, state)
                    data = queries.resident_data(session=session, resident_id=resident_id)
                    caption = render(
                        Reply("mydata_caption"), self.content, self._language(state), escape
                    )
                    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
                    effects.documents.append(Document("innspill-my-data.json", content, caption))
                case ListReports():
                    into = self._language(state) if self.translated_notes else ""
                    reports = self._own_reports(session, resident_id, translated_into=into)
                    prefix = self.content.reference_prefix
                    effects.replies[index] = [reports_reply(reports, prefix)]
                case AgreeToFollowUps(workshop=code, at=at):
                    self._agree(session, resident_id, code, at, chat_id)
                case StopFollowUps():
                    dropped = queries.stop_follow_ups(session=session, resident_id=resident_id)
                    dropped += queries.withdraw_hear_back(session=session, resident_id=resident_id)
                    log.info("a resident stopped follow-ups and news (%d dropped)", dropped)
                case AnswerHearBack(agreed=agreed, version=version, at=at):
                    queries.record_hear_back(
                        session=session,
                        resident_id=resident_id,
                        version=version if agreed else 0,
                        chat_id=chat_id,
                        now=at,
                    )
                case RecordObservation() as answer:
                    queries.record_observation(
                        session=session,
                        resident_id=resident_id,
                        follow_up_id=answer.follow_up_id,
                        problem_id=answer.problem_id,
                        recurred=answer.recurred,
                        frequency=answer.frequency,
                        now=answer.at,
                    )
                case Endorse(problem_id=problem_id, at=at):
                    queries.endorse(
                        session=session, resident_id=resident_id, problem_id=problem_id, now=at
                    )
                case EraseResident():
                    erased = queries.erase_resident(session=session, resident_id=resident_id)
                    log.info("a resident erased their data (%d problems)", erased)
                    effects.erased = True
        return effects

    def _own_reports(
        self, session: Session, resident_id: int, *, translated_into: str = ""
    ) -> list[OwnReport]:
        reports = queries.own_reports(session=session, resident_id=resident_id)
        return current_statuses(session, reports, translated_into=translated_into)

    def _my_data(self, session: Session, resident_id: int, state: InterviewState) -> list[Reply]:
        """Summarise in the resident's language what is stored (the JSON file has it all)."""
        resident = queries.resident_row(session, resident_id)
        language = self._language(state)
        return my_data_replies(
            self._own_reports(session, resident_id),
            language=self.content.language_names.get(language, language),
            consented_at=resident.consented_at,
            prefix=self.content.reference_prefix,
        )

    def _agree(
        self, session: Session, resident_id: int, code: str, at: datetime, chat_id: int | None
    ) -> None:
        """Keep the chat id and owe the workshop's follow-ups (not without a chat to send to)."""
        workshop = queries.get_workshop(session=session, code=code)
        if chat_id is None or workshop is None:
            return
        queries.set_follow_up(session=session, resident_id=resident_id, chat_id=chat_id)
        # Quiet hours are applied when sending, in the scheduler's time zone.
        due = [at + offset for offset in parse_offsets(workshop.followups)]
        queries.schedule_follow_ups(
            session=session, resident_id=resident_id, workshop_code=code, due=due
        )


def _with_replies(outputs: Sequence[Output], effects: _Effects) -> list[Output]:
    """Put the replies built from stored data where the output that asked for them stood."""
    expanded: list[Output] = []
    for index, output in enumerate(outputs):
        expanded.extend(effects.replies.get(index, ()))
        expanded.append(output)
    return expanded
