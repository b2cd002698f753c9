"""Every read and write of the tables; each function works inside the caller's transaction."""

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

import flows.problem
from flows.events import Candidate
from flows.follow_up import FollowUpMessage
from flows.records import ProblemRecord
from flows.workshop_stats import WorkshopStats
from storage.models import (
    DIGEST_FREQUENCIES,
    ERROR_MAX,
    KEY_MAX,
    LANGUAGE_MAX,
    ROLES,
    THEME_LABEL_MAX,
    THEME_STATE_ID,
    Conversation,
    DigestDelivery,
    Endorsement,
    FollowUp,
    ImportedRow,
    Observation,
    Problem,
    ProblemBase,
    ProcessedUpdate,
    Resident,
    ResidentBase,
    Staff,
    StaffBase,
    StaffInvite,
    Theme,
    ThemeState,
    Workshop,
    WorkshopBase,
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


def set_reporter_blocked(
    *, session: Session, problem_id: int, blocked: bool, now: datetime
) -> bool:
    """Block (or unblock) the resident who reported a problem; False if none is linked."""
    _require_aware("now", now)
    problem = session.get(Problem, problem_id)
    if problem is None or problem.resident_id is None:
        return False
    resident = _resident(session, problem.resident_id)
    resident.blocked_at = now if blocked else None
    return True


def purge_inactive(*, session: Session, last_seen_before: datetime) -> int:
    """Forget residents silent since ``last_seen_before``; their problems stay, unlinked."""
    _require_aware("last_seen_before", last_seen_before)
    # The database's ON DELETE rules take the conversation with it and unlink the problems.
    result = session.exec(delete(Resident).where(col(Resident.last_seen_at) < last_seen_before))
    return int(result.rowcount or 0)


def add_problem(
    *,
    session: Session,
    resident_id: int | None,
    problem: flows.problem.Problem,
    source: str,
    now: datetime,
) -> int:
    """Validate and store a problem; return its id."""
    _require_aware("now", now)
    valid = ProblemBase.model_validate(problem.values() | {"source": source})
    row = Problem(**valid.model_dump(), resident_id=resident_id, created_at=now)
    session.add(row)
    session.flush()
    assert row.id is not None  # the flush assigned it
    return row.id


def problem_records(
    *,
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    hide_blocked: bool = False,
) -> list[ProblemRecord]:
    """Return the problems created in [since, until), oldest first.

    ``hide_blocked`` leaves out the reports of residents staff have blocked (for digests).
    """
    # Counted in the same query: a list of ids as parameters breaks past SQLite's variable limit.
    endorsed = (
        select(col(Endorsement.problem_id).label("problem_id"), func.count().label("count"))
        .group_by(col(Endorsement.problem_id))
        .subquery()
    )
    query = (
        select(Problem, Resident.pseudonym, Theme, endorsed.c.count)
        .outerjoin(Resident, col(Problem.resident_id) == col(Resident.id))
        .outerjoin(Theme, col(Problem.theme_id) == col(Theme.id))
        .outerjoin(endorsed, endorsed.c.problem_id == col(Problem.id))
    )
    if hide_blocked:
        query = query.where(col(Resident.blocked_at).is_(None))
    if since is not None:
        _require_aware("since", since)
        query = query.where(Problem.created_at >= since)
    if until is not None:
        _require_aware("until", until)
        query = query.where(Problem.created_at < until)
    query = query.order_by(col(Problem.created_at), col(Problem.id))
    return [
        replace(_record(problem, pseudonym, theme), endorsements=count or 0)
        for problem, pseudonym, theme, count in session.exec(query)
    ]


def _record(problem: Problem, pseudonym: str | None, theme: Theme | None = None) -> ProblemRecord:
    assert problem.id is not None  # loaded rows have ids
    described = {f.name: getattr(problem, f.name) for f in fields(flows.problem.Problem)}
    return ProblemRecord.from_values(
        described
        | {
            "id": problem.id,
            "created_at": problem.created_at,
            "resident": pseudonym or "",
            "source": problem.source,
            "theme": problem.theme_id,
            "theme_label": theme_label(theme) if theme is not None else "",
        }
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
        **_workshop_data(session, resident_id),
    }


def erase_resident(*, session: Session, resident_id: int) -> int:
    """Delete a resident with their problems and state; return how many problems went."""
    _erase_workshop_data(session, resident_id)
    erased = session.exec(delete(Problem).where(col(Problem.resident_id) == resident_id))
    delete_resident(session=session, resident_id=resident_id)
    return int(erased.rowcount or 0)


# -- themes --------------------------------------------------------------------------------------


def theme_label(theme: Theme) -> str:
    """Return the label staff see: theirs if they gave one, else the automatic one."""
    return theme.label_override or theme.label or f"#{theme.id}"


def lock_theme_state(*, session: Session) -> ThemeState:
    """Return the theme model state row, locked to the end of the transaction.

    The snapshot is loaded only when read: a batch that does not need it must not parse it.
    """
    query = (
        select(ThemeState)
        .where(ThemeState.id == THEME_STATE_ID)
        .options(defer(ThemeState.snapshot))  # type: ignore[arg-type]  # SQLModel types it as dict
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(query).one()


def theme_revision(*, session: Session) -> int:
    """Return the revision of the stored theme model (no lock)."""
    query = select(ThemeState.revision).where(ThemeState.id == THEME_STATE_ID)
    return session.exec(query).one()


def write_theme_state(
    *,
    session: Session,
    now: datetime,
    seq: int | None = None,
    last_problem_id: int = 0,
    snapshot: dict[str, Any] | None = None,
) -> int:
    """Record assignments up to ``seq`` and, if given, a snapshot of everything so far.

    Return the new revision.
    """
    _require_aware("now", now)
    state = lock_theme_state(session=session)
    if seq is not None:
        state.seq = seq
    if snapshot is not None:
        state.snapshot = snapshot  # a new value: JSON columns miss in-place changes
        state.snapshot_seq = state.seq
    state.last_problem_id = max(state.last_problem_id, last_problem_id)
    state.revision += 1
    state.updated_at = now
    session.flush()
    return state.revision


def replay_problems(*, session: Session, after: int) -> list[tuple[str, str, int]]:
    """Return (text, language, theme id) of the problems assigned after ``after``, in order."""
    query = (
        select(Problem.text, Problem.language, Problem.theme_id)
        .where(col(Problem.theme_seq) > after)
        .order_by(col(Problem.theme_seq))
    )
    return [(text, language, int(theme or 0)) for text, language, theme in session.exec(query)]


def unthemed_problems(*, session: Session, limit: int) -> list[tuple[int, str, str]]:
    """Return (id, text, language) of up to ``limit`` problems without a theme, oldest id first."""
    query = (
        select(Problem.id, Problem.text, Problem.language)
        .where(col(Problem.theme_id).is_(None))
        .order_by(col(Problem.id))
        .limit(limit)
        .with_for_update()  # an erasure waits for the batch instead of racing it
    )
    return [(int(pid or 0), text, language) for pid, text, language in session.exec(query)]


def problem_texts(
    *, session: Session, since: datetime | None = None
) -> list[tuple[int, str, str]]:
    """Return (id, text, language) of every problem created since ``since``, by id."""
    query = select(Problem.id, Problem.text, Problem.language).order_by(col(Problem.id))
    if since is not None:
        _require_aware("since", since)
        query = query.where(Problem.created_at >= since)
    return [(int(pid or 0), text, language) for pid, text, language in session.exec(query)]


def set_problem_themes(
    *, session: Session, themes: Mapping[int, int], seqs: Mapping[int, int] | None = None
) -> None:
    """Give each problem id its theme id, and its assignment order when ``seqs`` has it."""
    if themes:
        rows = [
            {"id": pid, "theme_id": theme, "theme_seq": (seqs or {}).get(pid)}
            for pid, theme in themes.items()
        ]
        session.execute(update(Problem), rows)


def clear_problem_themes(*, session: Session, ids: Iterable[int]) -> None:
    """Hand these problems back to the theme assigner."""
    chunk: list[int] = []
    for problem_id in ids:
        chunk.append(problem_id)
        if len(chunk) == 500:  # bounded IN lists
            _unthemed(session, chunk)
            chunk = []
    if chunk:
        _unthemed(session, chunk)


def _unthemed(session: Session, ids: list[int]) -> None:
    statement = update(Problem).where(col(Problem.id).in_(ids))
    session.exec(statement.values(theme_id=None, theme_seq=None))


def store_themes(*, session: Session, labels: Mapping[int, str], now: datetime) -> None:
    """Create the themes not stored yet and refresh the automatic label of each."""
    _require_aware("now", now)
    known = {t.id: t for t in session.exec(select(Theme).where(col(Theme.id).in_(labels)))}
    for theme_id, text in labels.items():
        label = text[:THEME_LABEL_MAX]
        if theme_id in known:
            known[theme_id].label = label
        else:
            session.add(Theme(id=theme_id, label=label, created_at=now))
    session.flush()


def get_theme(*, session: Session, theme_id: int) -> Theme | None:
    """Return the theme with this id, or None."""
    return session.get(Theme, theme_id)


def max_theme_id(*, session: Session) -> int:
    """Return the highest theme id ever stored (0 if none)."""
    return int(session.exec(select(func.max(Theme.id))).one() or 0)


def theme_counts(*, session: Session) -> list[tuple[Theme, int]]:
    """Return each theme that holds problems with how many, the largest first."""
    count = func.count(col(Problem.id))
    query = (
        select(Theme, count)
        .join(Problem, col(Problem.theme_id) == col(Theme.id))
        .group_by(col(Theme.id))
        .order_by(count.desc(), col(Theme.id))
    )
    return [(theme, int(n)) for theme, n in session.exec(query)]


def theme_members(*, session: Session, theme_id: int) -> list[tuple[int, str, str]]:
    """Return (id, text, language) of the problems in a theme, by id."""
    query = (
        select(Problem.id, Problem.text, Problem.language)
        .where(Problem.theme_id == theme_id)
        .order_by(col(Problem.id))
    )
    return [(int(pid or 0), text, language) for pid, text, language in session.exec(query)]


def rename_theme(*, session: Session, theme_id: int, label: str) -> bool:
    """Give a theme the label staff chose ("" returns to the automatic one); False if unknown."""
    if len(label) > THEME_LABEL_MAX:
        raise ValueError(f"a theme label has at most {THEME_LABEL_MAX} characters")
    theme = session.get(Theme, theme_id)
    if theme is None:
        return False
    theme.label_override = label.strip()
    return True


def merge_themes(*, session: Session, keep: int, absorb: int) -> int:
    """Move every problem of theme ``absorb`` to ``keep``; return how many moved."""
    moved = session.exec(
        update(Problem).where(col(Problem.theme_id) == absorb).values(theme_id=keep)
    )
    session.exec(update(Theme).where(col(Theme.id) == absorb).values(merged_into=keep))
    return int(moved.rowcount or 0)


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
        .where(*_claimable(DigestDelivery, now))
        .order_by(col(DigestDelivery.due_at), col(DigestDelivery.id))
        .limit(limit)
    )
    return [delivery_id for delivery_id in session.exec(query) if delivery_id is not None]


# Digests and follow-ups are sent from leased rows: the same columns, the same rules.
Leased = type[DigestDelivery] | type[FollowUp]


def _claimable(model: Leased, now: datetime) -> tuple[Any, ...]:
    """Conditions of a row that is due, unsent and not leased to a live sender."""
    return (
        col(model.sent_at).is_(None),
        col(model.next_attempt_at) <= now,
        or_(col(model.claimed_until).is_(None), col(model.claimed_until) < now),
    )


def _lease(
    session: Session, model: Leased, row_id: int, claim: str, now: datetime, until: datetime
) -> bool:
    """Lease a due row to ``claim`` until ``until``; False if it is sent or leased already."""
    _require_aware("until", until)
    statement = (
        update(model)
        .where(col(model.id) == row_id, *_claimable(model, now))
        .values(claimed_until=until, claim=claim)
        .returning(col(model.id))
    )
    return session.exec(statement).first() is not None


def _owned(model: Leased, row_id: int, claim: str) -> tuple[Any, ...]:
    return (col(model.id) == row_id, col(model.claim) == claim)


def _finish(session: Session, model: Leased, row_id: int, claim: str, now: datetime) -> bool:
    """Mark a leased row sent; False if the lease was lost (then it was not ours to finish)."""
    _require_aware("now", now)
    statement = (
        update(model)
        .where(*_owned(model, row_id, claim))
        .values(sent_at=now, claimed_until=None)
        .returning(col(model.id))
    )
    return session.exec(statement).first() is not None


def _release(
    session: Session, model: Leased, row_id: int, claim: str, retry_at: datetime, error: str
) -> None:
    """Give a row that could not be sent back, to be tried again at ``retry_at``."""
    _require_aware("retry_at", retry_at)
    session.exec(
        update(model)
        .where(*_owned(model, row_id, claim))
        .values(
            claimed_until=None,
            next_attempt_at=retry_at,
            attempts=model.attempts + 1,
            last_error=error[:ERROR_MAX],
        )
    )


def claim_delivery(
    *, session: Session, delivery_id: int, claim: str, now: datetime, until: datetime
) -> tuple[DigestDelivery, Staff] | None:
    """Lease a due digest to ``claim`` until ``until``; None if it is sent or leased already."""
    if not _lease(session, DigestDelivery, delivery_id, claim, now, until):
        return None
    delivery = session.get(DigestDelivery, delivery_id, populate_existing=True)
    assert delivery is not None  # just updated
    return delivery, _staff(session, delivery.staff_id)


def note_parts_sent(*, session: Session, delivery_id: int, claim: str, parts_sent: int) -> bool:
    """Record how many messages of a digest Telegram accepted; False if the lease was lost."""
    statement = (
        update(DigestDelivery)
        .where(*_owned(DigestDelivery, delivery_id, claim))
        .values(parts_sent=parts_sent)
        .returning(col(DigestDelivery.id))
    )
    return session.exec(statement).first() is not None


def finish_delivery(*, session: Session, delivery_id: int, claim: str, now: datetime) -> bool:
    """Mark a digest sent; False if the lease was lost (then it was not ours to finish)."""
    return _finish(session, DigestDelivery, delivery_id, claim, now)


def release_delivery(
    *, session: Session, delivery_id: int, claim: str, retry_at: datetime, error: str
) -> None:
    """Give a digest that could not be sent back, to be tried again at ``retry_at``."""
    _release(session, DigestDelivery, delivery_id, claim, retry_at, error)


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


# -- workshops, follow-ups, endorsements ---------------------------------------------------------


def add_workshop(
    *,
    session: Session,
    code: str,
    name: str,
    group: str,
    area: str,
    held_on: date,
    followups: str,
    now: datetime,
    expires_at: datetime,
) -> Workshop:
    """Validate and store a workshop; raise ValueError if the code is taken."""
    _require_aware("now", now)
    _require_aware("expires_at", expires_at)
    valid = WorkshopBase.model_validate(
        {
            "code": code,
            "name": name,
            "group": group,
            "area": area,
            "held_on": held_on,
            "followups": followups,
        }
    )
    workshop = Workshop(**valid.model_dump(), created_at=now, expires_at=expires_at)
    try:
        with session.begin_nested():
            session.add(workshop)
            session.flush()
    except IntegrityError:
        raise ValueError(f"the workshop code {code!r} is taken") from None
    return workshop


def get_workshop(*, session: Session, code: str) -> Workshop | None:
    """Return the workshop with this code, or None."""
    return session.exec(select(Workshop).where(Workshop.code == code)).first()


def list_workshops(
    *, session: Session, since: datetime | None = None, until: datetime | None = None
) -> list[WorkshopStats]:
    """Return every workshop, newest first, with its counts; with a period, only its active ones.

    With ``since`` and ``until``, participants and problems count that period only.
    """
    counting = select(
        Problem.workshop,
        func.count(col(Problem.id)),
        func.count(col(Problem.resident_id).distinct()),
    ).where(col(Problem.workshop) != "")
    if since is not None and until is not None:
        _require_aware("since", since)
        _require_aware("until", until)
        counting = counting.where(Problem.created_at >= since, Problem.created_at < until)
    problems = {
        code: (count, people)
        for code, count, people in session.exec(counting.group_by(col(Problem.workshop)))
    }
    answering = select(
        FollowUp.workshop_id,
        func.count(col(FollowUp.sent_at)),
        func.count(col(FollowUp.answered_at)),
    ).group_by(col(FollowUp.workshop_id))
    rounds = {wid: (sent, answered) for wid, sent, answered in session.exec(answering)}
    workshops = session.exec(
        select(Workshop).order_by(col(Workshop.held_on).desc(), col(Workshop.id).desc())
    )
    return [
        WorkshopStats(
            code=w.code,
            name=w.name,
            held_on=w.held_on.isoformat(),
            group=w.group,
            area=w.area,
            participants=problems.get(w.code, (0, 0))[1],
            problems=problems.get(w.code, (0, 0))[0],
            follow_ups_sent=rounds.get(w.id or 0, (0, 0))[0],
            follow_ups_answered=rounds.get(w.id or 0, (0, 0))[1],
        )
        for w in workshops
        if since is None or w.code in problems
    ]


def schedule_follow_ups(
    *, session: Session, resident_id: int, workshop_code: str, due: Sequence[datetime]
) -> int:
    """Owe the resident one follow-up per time in ``due`` (round 0, 1, …); return how many new."""
    workshop = get_workshop(session=session, code=workshop_code)
    if workshop is None or workshop.id is None:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for number, due_at in enumerate(due):
        _require_aware("due", due_at)
        statement = (
            insert(FollowUp)
            .values(
                resident_id=resident_id,
                workshop_id=workshop.id,
                round=number,
                due_at=due_at,
                next_attempt_at=due_at,
                claim="",
                attempts=0,
                last_error="",
            )
            .on_conflict_do_nothing(index_elements=["resident_id", "workshop_id", "round"])
            .returning(col(FollowUp.id))
        )
        added += session.exec(statement).first() is not None
    return added


def stop_follow_ups(*, session: Session, resident_id: int) -> int:
    """Drop every follow-up not sent yet and forget the chat id; return how many were dropped."""
    dropped = session.exec(
        delete(FollowUp).where(
            col(FollowUp.resident_id) == resident_id, col(FollowUp.sent_at).is_(None)
        )
    )
    set_follow_up(session=session, resident_id=resident_id, chat_id=None)
    return int(dropped.rowcount or 0)


def due_follow_ups(*, session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Return the ids of unsent follow-ups whose time has come and that nobody is sending."""
    _require_aware("now", now)
    query = (
        select(FollowUp.id)
        .where(*_claimable(FollowUp, now))
        .order_by(col(FollowUp.due_at), col(FollowUp.id))
        .limit(limit)
    )
    return [follow_up_id for follow_up_id in session.exec(query) if follow_up_id is not None]


def claim_follow_up(
    *, session: Session, follow_up_id: int, claim: str, now: datetime, until: datetime
) -> FollowUpMessage | None:
    """Lease a due follow-up to ``claim`` until ``until``; None if sent or leased already."""
    if not _lease(session, FollowUp, follow_up_id, claim, now, until):
        return None
    row = session.get(FollowUp, follow_up_id, populate_existing=True)
    assert row is not None  # just updated
    resident = _resident(session, row.resident_id)
    workshop = session.get(Workshop, row.workshop_id)
    assert workshop is not None  # a foreign key
    problems = session.exec(
        select(Problem.id, Problem.text)
        .where(Problem.resident_id == row.resident_id, Problem.workshop == workshop.code)
        .order_by(col(Problem.id))
    ).all()
    return FollowUpMessage(
        id=follow_up_id,
        round=row.round,
        chat_id=resident.chat_id if resident.follow_up_consent else None,
        language=resident.language,
        workshop=workshop.name,
        problems=tuple((pid, text) for pid, text in problems if pid is not None),
        attempts=row.attempts,
    )


def finish_follow_up(*, session: Session, follow_up_id: int, claim: str, now: datetime) -> bool:
    """Mark a follow-up sent; False if the lease was lost."""
    return _finish(session, FollowUp, follow_up_id, claim, now)


def release_follow_up(
    *, session: Session, follow_up_id: int, claim: str, retry_at: datetime, error: str
) -> None:
    """Give a follow-up that could not be sent back, to be tried again at ``retry_at``."""
    _release(session, FollowUp, follow_up_id, claim, retry_at, error)


def drop_follow_up(*, session: Session, follow_up_id: int) -> None:
    """Forget a follow-up that can never be sent (the resident withdrew or blocked the bot)."""
    session.exec(delete(FollowUp).where(col(FollowUp.id) == follow_up_id))


def record_observation(
    *,
    session: Session,
    resident_id: int,
    follow_up_id: int,
    problem_id: int,
    recurred: bool,
    frequency: str,
    now: datetime,
) -> bool:
    """Store an answer about the resident's own problem; False if not theirs, or repeated."""
    _require_aware("now", now)
    follow_up = session.get(FollowUp, follow_up_id)
    problem = session.get(Problem, problem_id)
    if (
        follow_up is None
        or problem is None
        or follow_up.resident_id != resident_id
        or problem.resident_id != resident_id
    ):
        return False
    observation = Observation(
        problem_id=problem_id,
        follow_up_id=follow_up_id,
        recurred=recurred,
        frequency=frequency[:KEY_MAX],
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(observation)
            session.flush()
    except IntegrityError:
        return False  # answered before: the first answer stands
    follow_up.answered_at = follow_up.answered_at or now
    return True


def endorse(*, session: Session, resident_id: int, problem_id: int, now: datetime) -> bool:
    """Record "same for me" by the resident; False if it is their own or they did before."""
    _require_aware("now", now)
    problem = session.get(Problem, problem_id)
    if problem is None or problem.resident_id == resident_id:
        return False
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Endorsement)
        .values(problem_id=problem_id, resident_id=resident_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["problem_id", "resident_id"])
        .returning(col(Endorsement.id))
    )
    return session.exec(statement).first() is not None


def similar_candidates(
    *, session: Session, resident_id: int, workshop: str, area: str, limit: int = 200
) -> list[Candidate]:
    """Return recent problems of others in the same workshop or area, not yet endorsed by them."""
    places = []
    if workshop:
        places.append(col(Problem.workshop) == workshop)
    if area and area != "other":
        places.append(col(Problem.area) == area)
    if not places:
        return []
    query = (
        select(Problem)
        .where(
            or_(*places),
            or_(col(Problem.resident_id).is_(None), col(Problem.resident_id) != resident_id),
            col(Problem.id).not_in(  # once said "same for me", not asked about again
                select(Endorsement.problem_id).where(Endorsement.resident_id == resident_id)
            ),
        )
        .order_by(col(Problem.created_at).desc(), col(Problem.id).desc())
        .limit(limit)
    )
    return [
        Candidate(p.id, p.text, p.language, p.workshop, p.area)
        for p in session.exec(query)
        if p.id is not None
    ]


def import_problem(
    *, session: Session, content_hash: str, problem: flows.problem.Problem, now: datetime
) -> bool:
    """Store an imported note unless the same note was imported before; True if stored."""
    if session.get(ImportedRow, content_hash) is not None:
        return False
    problem_id = add_problem(
        session=session, resident_id=None, problem=problem, source="import", now=now
    )
    session.add(ImportedRow(content_hash=content_hash, problem_id=problem_id))
    session.flush()
    return True


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


def update_workshop(
    *,
    session: Session,
    code: str,
    group: str | None = None,
    area: str | None = None,
    held_on: date | None = None,
    expires_at: datetime | None = None,
) -> Workshop | None:
    """Change a workshop's group, area or day (the staff dialog); None if there is none."""
    workshop = get_workshop(session=session, code=code)
    if workshop is None:
        return None
    changes = {"group": group, "area": area, "held_on": held_on}
    given = {name: value for name, value in changes.items() if value is not None}
    valid = WorkshopBase.model_validate({**workshop.model_dump(), **given})
    for name in given:
        setattr(workshop, name, getattr(valid, name))
    if expires_at is not None:
        _require_aware("expires_at", expires_at)
        workshop.expires_at = expires_at
    session.flush()
    return workshop


def follow_up_resident(*, session: Session, follow_up_id: int) -> int | None:
    """Return the resident a follow-up is owed to, or None."""
    row = session.get(FollowUp, follow_up_id)
    return row.resident_id if row is not None else None
