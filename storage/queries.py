"""Every read and write of the tables; each function works inside the caller's transaction."""

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.outputs import ProblemDraft
from flows.records import ProblemRecord
from storage.models import (
    LANGUAGE_MAX,
    Conversation,
    Problem,
    ProblemBase,
    ProcessedUpdate,
    Resident,
    ResidentBase,
)


def _require_aware(name: str, value: datetime) -> None:
    if value.utcoffset() is None:
        raise ValueError(f"{name}={value.isoformat()} is naive: pass a timezone-aware datetime")


def _resident(session: Session, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise LookupError(f"no resident with id {resident_id}")
    return resident


def get_or_create_resident(
    *, session: Session, pseudonym: str, now: datetime, lock: bool = False
) -> Resident:
    """Return the resident with this pseudonym, created if new and marked seen at ``now``."""
    _require_aware("now", now)
    ResidentBase.model_validate({"pseudonym": pseudonym})
    query = select(Resident).where(Resident.pseudonym == pseudonym)
    if lock:
        # Holds the row to the end of the transaction, so one resident's messages are handled
        # one at a time across processes (FOR UPDATE; SQLite's BEGIN IMMEDIATE already does).
        # populate_existing: a locked read must not be answered from the identity map.
        query = query.with_for_update().execution_options(populate_existing=True)
    resident = session.exec(query).first()
    if resident is None:
        resident = Resident(pseudonym=pseudonym, created_at=now, last_seen_at=now)
        try:
            # A savepoint, so losing the race to another transaction keeps ours usable.
            with session.begin_nested():
                session.add(resident)
                session.flush()
        except IntegrityError:
            resident = session.exec(query).one()
    resident.last_seen_at = now
    return resident


def load_state(*, session: Session, resident_id: int) -> dict[str, Any] | None:
    """Return a copy of the resident's interview state, or None if they have none."""
    conversation = session.get(Conversation, resident_id)
    if conversation is None:
        return None
    # A copy: mutating the mapped JSON value in place would never be written back.
    return copy.deepcopy(conversation.state)


def save_state(
    *, session: Session, resident_id: int, state: dict[str, Any], now: datetime
) -> None:
    """Store the resident's whole interview state."""
    _require_aware("now", now)
    new_state = copy.deepcopy(state)  # a new object, so the change is always detected
    conversation = session.get(Conversation, resident_id)
    if conversation is None:
        session.add(Conversation(resident_id=resident_id, state=new_state, updated_at=now))
    else:
        conversation.state = new_state
        conversation.updated_at = now


def claim_update(*, session: Session, update_id: int, now: datetime) -> bool:
    """Mark a Telegram update as handled: True the first time, False if it already was."""
    _require_aware("now", now)
    # Part of the caller's transaction: if that rolls back, the update can be claimed again.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        # RETURNING, not rowcount: the driver does not report rowcount reliably here.
        .returning(col(ProcessedUpdate.update_id))
    )
    return session.exec(statement).first() is not None


def record_consent(*, session: Session, resident_id: int, version: int, now: datetime) -> None:
    """Record that the resident accepted privacy text ``version`` at ``now``."""
    _require_aware("now", now)
    if version < 1:
        raise ValueError(f"consent version must be at least 1, got {version}")
    resident = _resident(session, resident_id)
    resident.consent_version = version
    resident.consented_at = now


def set_language(*, session: Session, resident_id: int, language: str) -> None:
    """Remember the resident's interview language."""
    if len(language) > LANGUAGE_MAX:
        raise ValueError(f"language {language!r} is longer than {LANGUAGE_MAX} characters")
    _resident(session, resident_id).language = language


def set_follow_up(*, session: Session, resident_id: int, chat_id: int | None) -> None:
    """Keep the chat id of a resident who agreed to follow-ups; None withdraws and forgets it."""
    resident = _resident(session, resident_id)
    resident.follow_up_consent = chat_id is not None
    resident.chat_id = chat_id


def delete_resident(*, session: Session, resident_id: int) -> bool:
    """Forget a resident and their conversation; their problems stay, unlinked."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        return False
    session.delete(resident)
    session.flush()
    return True


def add_problem(
    *,
    session: Session,
    resident_id: int | None,
    draft: ProblemDraft,
    source: str,
    now: datetime,
) -> int:
    """Validate and store a problem; return its id."""
    _require_aware("now", now)
    valid = ProblemBase.model_validate(
        {
            "text": draft.text,
            "language": draft.language,
            "suggested_solution": draft.suggested_solution,
            "solution_language": draft.solution_language,
            "groups": list(draft.groups),
            "area": draft.area,
            "frequency": draft.frequency,
            "severity": draft.severity,
            "source": source,
            "workshop": draft.workshop,
        }
    )
    problem = Problem(**valid.model_dump(), resident_id=resident_id, created_at=now)
    session.add(problem)
    session.flush()
    assert problem.id is not None  # the flush assigned it
    return problem.id


def problem_records(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[ProblemRecord]:
    """Return the problems created in [since, until), oldest first."""
    query = select(Problem, Resident.pseudonym).outerjoin(
        Resident, col(Problem.resident_id) == col(Resident.id)
    )
    if since is not None:
        _require_aware("since", since)
        query = query.where(Problem.created_at >= since)
    if until is not None:
        _require_aware("until", until)
        query = query.where(Problem.created_at < until)
    query = query.order_by(col(Problem.created_at), col(Problem.id))
    return [_record(problem, pseudonym) for problem, pseudonym in session.exec(query)]


def _record(problem: Problem, pseudonym: str | None) -> ProblemRecord:
    assert problem.id is not None  # loaded rows have ids
    return ProblemRecord(
        id=problem.id,
        created_at=problem.created_at,
        resident=pseudonym or "",
        text=problem.text,
        language=problem.language,
        suggested_solution=problem.suggested_solution,
        groups=tuple(problem.groups),
        area=problem.area,
        frequency=problem.frequency,
        severity=problem.severity,
        source=problem.source,
        workshop=problem.workshop,
    )


def count_problems(*, session: Session) -> int:
    """Return how many problems are stored."""
    return session.exec(select(func.count()).select_from(Problem)).one()


def prune_processed_updates(*, session: Session, older_than: datetime) -> int:
    """Forget update ids handled before ``older_than``; return how many were removed."""
    _require_aware("older_than", older_than)
    statement = delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < older_than)
    return session.exec(statement).rowcount
