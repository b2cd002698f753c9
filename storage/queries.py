"""Every read and write of the tables; each function works inside the caller's transaction."""

import copy
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from flows.outputs import ProblemDraft
from flows.records import ProblemRecord
from storage.models import (
    DIGEST_FREQUENCIES,
    ERROR_MAX,
    LANGUAGE_MAX,
    ROLES,
    Conversation,
    DigestDelivery,
    Problem,
    ProblemBase,
    ProcessedUpdate,
    Resident,
    ResidentBase,
    Staff,
    StaffBase,
    StaffInvite,
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


def was_replied(*, session: Session, update_id: int) -> bool:
    """Tell whether the answer to a claimed update is known to have been delivered."""
    update = session.get(ProcessedUpdate, update_id)
    return update is not None and update.replied_at is not None


def mark_replied(*, session: Session, update_id: int, now: datetime) -> None:
    """Record that the answer to ``update_id`` was delivered."""
    _require_aware("now", now)
    update = session.get(ProcessedUpdate, update_id)
    if update is not None:
        update.replied_at = now


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


# -- a resident's own data (/mydata, /delete) --------------------------------------------------


def resident_data(*, session: Session, resident_id: int) -> dict[str, Any]:
    """Return everything stored about one resident, as JSON-ready values."""
    resident = _resident(session, resident_id)
    conversation = session.get(Conversation, resident_id)
    problems = session.exec(
        select(Problem).where(Problem.resident_id == resident_id).order_by(col(Problem.id))
    ).all()
    return {
        "resident": resident.model_dump(mode="json", exclude={"id"}),
        "interview_state": copy.deepcopy(conversation.state) if conversation else None,
        "problems": [p.model_dump(mode="json", exclude={"resident_id"}) for p in problems],
    }


def erase_resident(*, session: Session, resident_id: int) -> int:
    """Delete a resident with their problems and state; return how many problems went."""
    erased = session.exec(delete(Problem).where(col(Problem.resident_id) == resident_id))
    delete_resident(session=session, resident_id=resident_id)
    return int(erased.rowcount or 0)


# -- staff and digests ---------------------------------------------------------------------------


def get_staff(*, session: Session, telegram_id: int) -> Staff | None:
    """Return the staff member with this Telegram user id, or None."""
    return session.exec(select(Staff).where(Staff.telegram_id == telegram_id)).first()


def list_staff(*, session: Session) -> list[Staff]:
    """Return every staff member, admins first, then by when they were added."""
    admins_first = col(Staff.role) != "admin"
    query = select(Staff).order_by(admins_first, col(Staff.created_at), col(Staff.id))
    return list(session.exec(query))


def add_staff(*, session: Session, telegram_id: int, role: str, now: datetime) -> Staff:
    """Make a Telegram user staff with ``role`` (created, or their role changed)."""
    _require_aware("now", now)
    StaffBase.model_validate({"telegram_id": telegram_id, "role": role})
    staff = get_staff(session=session, telegram_id=telegram_id)
    if staff is None:
        staff = Staff(telegram_id=telegram_id, role=role, created_at=now)
        try:
            # A savepoint: another process adding the same person (ADMIN_IDS at start) wins.
            with session.begin_nested():
                session.add(staff)
                session.flush()
        except IntegrityError:
            staff = session.exec(select(Staff).where(Staff.telegram_id == telegram_id)).one()
    staff.role = role
    session.flush()
    return staff


def ensure_admins(*, session: Session, telegram_ids: Iterable[int], now: datetime) -> None:
    """Make each of these Telegram users an admin (ADMIN_IDS)."""
    for telegram_id in telegram_ids:
        add_staff(session=session, telegram_id=telegram_id, role="admin", now=now)


def remove_staff(*, session: Session, telegram_id: int) -> bool:
    """Remove a staff member with their subscription and pending digests; False if unknown."""
    staff = get_staff(session=session, telegram_id=telegram_id)
    if staff is None:
        return False
    session.exec(delete(DigestDelivery).where(col(DigestDelivery.staff_id) == staff.id))
    session.delete(staff)
    session.flush()
    return True


def note_staff_chat(*, session: Session, staff_id: int, chat_id: int, language: str) -> None:
    """Remember where a staff member writes from and in which language they read."""
    if len(language) > LANGUAGE_MAX:
        raise ValueError(f"language {language!r} is longer than {LANGUAGE_MAX} characters")
    staff = _staff(session, staff_id)
    staff.chat_id = chat_id
    staff.language = language


def subscribe(*, session: Session, staff_id: int, frequency: str, now: datetime) -> bool:
    """Set a staff member's digest frequency ("" stops it); False if it was already so.

    Stopping also drops the scheduled digests not sent yet.
    """
    _require_aware("now", now)
    if frequency not in ("", *DIGEST_FREQUENCIES):
        raise ValueError(f"unknown frequency {frequency!r}")
    staff = _staff(session, staff_id)
    if staff.frequency == frequency:
        return False
    staff.frequency = frequency
    staff.subscribed_at = now if frequency else None
    if not frequency:
        session.exec(
            delete(DigestDelivery).where(
                col(DigestDelivery.staff_id) == staff_id,
                col(DigestDelivery.sent_at).is_(None),
                col(DigestDelivery.kind).in_(DIGEST_FREQUENCIES),
            )
        )
    return True


def subscribers(*, session: Session) -> list[Staff]:
    """Return the staff members who get scheduled digests."""
    return list(session.exec(select(Staff).where(Staff.frequency != "").order_by(col(Staff.id))))


def _staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise LookupError(f"no staff member with id {staff_id}")
    return staff


def add_invite(
    *, session: Session, token_hash: str, role: str, now: datetime, expires_at: datetime
) -> None:
    """Store a one-time invitation by the hash of its token."""
    _require_aware("now", now)
    _require_aware("expires_at", expires_at)
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
    invite = StaffInvite(token_hash=token_hash, role=role, created_at=now, expires_at=expires_at)
    session.add(invite)
    session.flush()


def redeem_invite(
    *, session: Session, token_hash: str, telegram_id: int, now: datetime
) -> tuple[str, Staff | None]:
    """Use an invitation: ("joined", staff), or ("used" | "expired" | "invalid", None).

    A used or expired invitation changes nothing; an admin invited as staff stays admin.
    """
    _require_aware("now", now)
    query = (
        select(StaffInvite)
        .where(StaffInvite.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    invite = session.exec(query).first()
    if invite is None:
        return "invalid", None
    if invite.used_at is not None:
        return "used", None
    if invite.expires_at <= now:
        return "expired", None
    invite.used_at, invite.used_by = now, telegram_id
    existing = get_staff(session=session, telegram_id=telegram_id)
    role = "admin" if existing is not None and existing.role == "admin" else invite.role
    return "joined", add_staff(session=session, telegram_id=telegram_id, role=role, now=now)


def record_delivery(
    *,
    session: Session,
    staff_id: int,
    kind: str,
    period_start: datetime,
    period_end: datetime,
    due_at: datetime,
) -> bool:
    """Record that a digest is owed: True the first time, False if it was recorded before."""
    for name, value in (("period_start", period_start), ("period_end", period_end)):
        _require_aware(name, value)
    _require_aware("due_at", due_at)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(DigestDelivery)
        .values(
            staff_id=staff_id,
            kind=kind,
            period_start=period_start,
            period_end=period_end,
            due_at=due_at,
            next_attempt_at=due_at,
            claim="",
            attempts=0,
            parts_sent=0,
            last_error="",
        )
        .on_conflict_do_nothing(index_elements=["staff_id", "kind", "period_start"])
        .returning(col(DigestDelivery.id))
    )
    return session.exec(statement).first() is not None


def due_deliveries(*, session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Return the ids of unsent digests whose time has come and that nobody is sending."""
    _require_aware("now", now)
    query = (
        select(DigestDelivery.id)
        .where(*_claimable(now))
        .order_by(col(DigestDelivery.due_at), col(DigestDelivery.id))
        .limit(limit)
    )
    return [delivery_id for delivery_id in session.exec(query) if delivery_id is not None]


def _claimable(now: datetime) -> tuple[Any, ...]:
    return (
        col(DigestDelivery.sent_at).is_(None),
        col(DigestDelivery.next_attempt_at) <= now,
        or_(col(DigestDelivery.claimed_until).is_(None), col(DigestDelivery.claimed_until) < now),
    )


def claim_delivery(
    *, session: Session, delivery_id: int, claim: str, now: datetime, until: datetime
) -> tuple[DigestDelivery, Staff] | None:
    """Lease a due digest to ``claim`` until ``until``; None if it is sent or leased already."""
    _require_aware("until", until)
    statement = (
        update(DigestDelivery)
        .where(col(DigestDelivery.id) == delivery_id, *_claimable(now))
        .values(claimed_until=until, claim=claim)
        .returning(col(DigestDelivery.id))
    )
    if session.exec(statement).first() is None:
        return None
    delivery = session.get(DigestDelivery, delivery_id, populate_existing=True)
    assert delivery is not None  # just updated
    return delivery, _staff(session, delivery.staff_id)


def _owned(delivery_id: int, claim: str) -> tuple[Any, ...]:
    return (col(DigestDelivery.id) == delivery_id, col(DigestDelivery.claim) == claim)


def note_parts_sent(*, session: Session, delivery_id: int, claim: str, parts_sent: int) -> bool:
    """Record how many messages of a digest Telegram accepted; False if the lease was lost."""
    statement = (
        update(DigestDelivery)
        .where(*_owned(delivery_id, claim))
        .values(parts_sent=parts_sent)
        .returning(col(DigestDelivery.id))
    )
    return session.exec(statement).first() is not None


def finish_delivery(*, session: Session, delivery_id: int, claim: str, now: datetime) -> bool:
    """Mark a digest sent; False if the lease was lost (then it was not ours to finish)."""
    _require_aware("now", now)
    statement = (
        update(DigestDelivery)
        .where(*_owned(delivery_id, claim))
        .values(sent_at=now, claimed_until=None)
        .returning(col(DigestDelivery.id))
    )
    return session.exec(statement).first() is not None


def release_delivery(
    *, session: Session, delivery_id: int, claim: str, retry_at: datetime, error: str
) -> None:
    """Give a digest that could not be sent back, to be tried again at ``retry_at``."""
    _require_aware("retry_at", retry_at)
    session.exec(
        update(DigestDelivery)
        .where(*_owned(delivery_id, claim))
        .values(
            claimed_until=None,
            next_attempt_at=retry_at,
            attempts=DigestDelivery.attempts + 1,
            last_error=error[:ERROR_MAX],
        )
    )


def count_problems_between(*, session: Session, since: datetime, until: datetime) -> int:
    """Return how many problems were created in [since, until)."""
    _require_aware("since", since)
    _require_aware("until", until)
    query = (
        select(func.count())
        .select_from(Problem)
        .where(Problem.created_at >= since, Problem.created_at < until)
    )
    return session.exec(query).one()
