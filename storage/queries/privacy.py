"""A resident's own data: the /mydata document, erasure, and the retention purge."""

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from flows.own_reports import OwnReport
from storage.models import (
    KEY_FINGERPRINT_ID,
    Conversation,
    Endorsement,
    FollowUp,
    KeyFingerprint,
    Observation,
    Problem,
    Resident,
)
from storage.queries.residents import delete_resident, resident_row


def resident_data(session: Session, *, resident_id: int) -> dict[str, Any]:
    """Return everything stored about one resident, as JSON-ready values."""
    resident = resident_row(session, resident_id)
    conversation = session.get(Conversation, resident_id)
    # Staff-side moderation (blocked_at) is staff's record, not something to tell a resident.
    problems = session.exec(
        select(Problem).where(Problem.resident_id == resident_id).order_by(col(Problem.id))
    ).all()
    return {
        "resident": resident.model_dump(mode="json", exclude={"id", "blocked_at"}),
        "interview_state": copy.deepcopy(conversation.state) if conversation else None,
        "problems": [p.model_dump(mode="json", exclude={"resident_id"}) for p in problems],
        **_workshop_data(session, resident_id),
    }


def own_reports(session: Session, *, resident_id: int) -> list[OwnReport]:
    """Return the resident's stored problems, oldest first, as they see them."""
    problems = session.exec(
        select(Problem).where(Problem.resident_id == resident_id).order_by(col(Problem.id))
    ).all()
    return [
        OwnReport(p.id, p.created_at, p.text, p.area, p.place)
        for p in problems
        if p.id is not None
    ]


def erase_resident(session: Session, *, resident_id: int) -> int:
    """Delete a resident with their problems and state; return how many problems went."""
    _erase_workshop_data(session, resident_id)
    theirs = session.exec(select(Problem.id).where(Problem.resident_id == resident_id)).all()
    forget_shown_problems(session, problem_ids={i for i in theirs if i is not None})
    erased = session.exec(delete(Problem).where(col(Problem.resident_id) == resident_id))
    delete_resident(session=session, resident_id=resident_id)
    return int(erased.rowcount or 0)


def forget_shown_problems(session: Session, *, problem_ids: set[int]) -> int:
    """Drop these problems from every interview that was about to show them ("me too")."""
    if not problem_ids:
        return 0
    changed = 0
    # Only interviews with something left to show hold others' texts; they are few. Read a
    # few hundred at a time, not every resident's interview at once.
    for conversation in session.exec(select(Conversation).execution_options(yield_per=500)):
        state = conversation.state
        shown = [int(i) for i in state.get("similar_ids") or ()]
        if not problem_ids.intersection(shown):
            continue
        texts = list(state.get("similar_texts") or ())
        kept = [k for k, problem_id in enumerate(shown) if problem_id not in problem_ids]
        # Nothing left to ask about: the resident goes on to "report another?".
        step = state.get("step") if kept or state.get("step") != "similar" else "another"
        # A new dict: a JSON column mutated in place is not saved.
        conversation.state = {
            **state,
            "step": step,
            "similar_ids": [shown[k] for k in kept],
            "similar_texts": [texts[k] for k in kept if k < len(texts)],
        }
        session.add(conversation)
        changed += 1
    session.flush()
    return changed


def _workshop_data(session: Session, resident_id: int) -> dict[str, Any]:
    """Return the resident's follow-ups, answers and endorsements, as JSON-ready values."""
    follow_ups = session.exec(
        select(FollowUp).where(FollowUp.resident_id == resident_id).order_by(col(FollowUp.id))
    ).all()
    observations = session.exec(
        select(Observation)
        .join(FollowUp, col(Observation.follow_up_id) == col(FollowUp.id))
        .where(FollowUp.resident_id == resident_id)
        .order_by(col(Observation.id))
    ).all()
    endorsements = session.exec(
        select(Endorsement)
        .where(Endorsement.resident_id == resident_id)
        .order_by(col(Endorsement.id))
    ).all()
    dump = {"exclude": {"resident_id", "claim", "claimed_until"}, "mode": "json"}
    return {
        "follow_ups": [f.model_dump(**dump) for f in follow_ups],  # type: ignore[arg-type]
        "follow_up_answers": [o.model_dump(mode="json") for o in observations],
        "endorsements": [e.model_dump(mode="json", exclude={"resident_id"}) for e in endorsements],
    }


def _erase_workshop_data(session: Session, resident_id: int) -> None:
    """Delete the resident's endorsements, follow-ups and the answers to them."""
    theirs = select(Problem.id).where(col(Problem.resident_id) == resident_id)
    rounds = select(FollowUp.id).where(col(FollowUp.resident_id) == resident_id)
    session.exec(delete(Observation).where(col(Observation.follow_up_id).in_(rounds)))
    session.exec(delete(Observation).where(col(Observation.problem_id).in_(theirs)))
    session.exec(
        delete(Endorsement).where(
            or_(
                col(Endorsement.resident_id) == resident_id,
                col(Endorsement.problem_id).in_(theirs),
            )
        )
    )
    session.exec(delete(FollowUp).where(col(FollowUp.resident_id) == resident_id))


def purge_old_problems(session: Session, *, created_before: datetime, limit: int) -> int:
    """Delete up to ``limit`` problems older than ``created_before`` and what refers to them."""
    old = select(Problem.id).where(col(Problem.created_at) < created_before).limit(limit)
    ids = {i for i in session.exec(old) if i is not None}
    forget_shown_problems(session, problem_ids=ids)
    # Endorsements, follow-up answers and import hashes go with them (ON DELETE CASCADE).
    result = session.exec(delete(Problem).where(col(Problem.id).in_(sorted(ids))))
    return int(result.rowcount or 0)


def silent_residents(
    session: Session, *, last_seen_before: datetime, after: int, limit: int
) -> list[int]:
    """Return the ids above ``after`` of up to ``limit`` residents silent since then, in order."""
    query = (
        select(Resident.id)
        .where(col(Resident.id) > after, col(Resident.last_seen_at) < last_seen_before)
        .order_by(col(Resident.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(query) if i is not None]


def purge_inactive(
    session: Session, *, last_seen_before: datetime, ids: Sequence[int] | None = None
) -> int:
    """Forget residents silent since ``last_seen_before`` (of ``ids`` only, if given).

    Their problems stay, unlinked.
    """
    # The database's ON DELETE rules take the conversation with it and unlink the problems.
    statement = delete(Resident).where(col(Resident.last_seen_at) < last_seen_before)
    if ids is not None:
        statement = statement.where(col(Resident.id).in_(ids))
    result = session.exec(statement)
    return int(result.rowcount or 0)


def known_fingerprint(session: Session, *, fingerprint: str, now: datetime) -> str:
    """Return the key fingerprint this database was written with (storing ``fingerprint`` first).

    A database that holds residents but no fingerprint was written before fingerprints were
    kept: the key in use now is taken to be the one that wrote it.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Workers starting together: the first one's fingerprint is kept, the others read it.
    session.exec(
        insert(KeyFingerprint)
        .values(id=KEY_FINGERPRINT_ID, fingerprint=fingerprint, created_at=now)
        .on_conflict_do_nothing(index_elements=["id"])
    )
    stored = session.exec(select(KeyFingerprint.fingerprint)).one()
    return str(stored)


def forget_unconsented(session: Session, *, last_seen_before: datetime) -> int:
    """Forget people who never consented and are silent since ``last_seen_before``.

    Their state may hold a message typed before consent; it is kept for a day at most.
    """
    reported = select(Problem.id).where(col(Problem.resident_id) == col(Resident.id))
    result = session.exec(
        delete(Resident).where(
            col(Resident.consent_version) == 0,
            col(Resident.last_seen_at) < last_seen_before,
            ~reported.exists(),
        )
    )
    return int(result.rowcount or 0)
