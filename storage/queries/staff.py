"""Staff members, their invitations and their digest subscriptions."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    DIGEST_FREQUENCIES,
    LANGUAGE_MAX,
    ROLES,
    DigestDelivery,
    Staff,
    StaffBase,
    StaffInvite,
)


def get_staff(session: Session, *, telegram_id: int) -> Staff | None:
    """Return the staff member with this Telegram user id, or None."""
    return session.exec(select(Staff).where(Staff.telegram_id == telegram_id)).first()


def list_staff(session: Session) -> list[Staff]:
    """Return every staff member, admins first, then by when they were added."""
    admins_first = col(Staff.role) != "admin"
    query = select(Staff).order_by(admins_first, col(Staff.created_at), col(Staff.id))
    return list(session.exec(query))


def add_staff(session: Session, *, telegram_id: int, role: str, now: datetime) -> Staff:
    """Make a Telegram user staff with ``role`` (created, or their role changed)."""
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


def ensure_admins(session: Session, *, telegram_ids: Iterable[int], now: datetime) -> None:
    """Make each of these Telegram users an admin (ADMIN_IDS)."""
    for telegram_id in telegram_ids:
        add_staff(session=session, telegram_id=telegram_id, role="admin", now=now)


def remove_staff(session: Session, *, telegram_id: int) -> bool:
    """Remove a staff member with their subscription and pending digests; False if unknown."""
    staff = get_staff(session=session, telegram_id=telegram_id)
    if staff is None:
        return False
    session.exec(delete(DigestDelivery).where(col(DigestDelivery.staff_id) == staff.id))
    session.delete(staff)
    session.flush()
    return True


def note_staff_chat(session: Session, *, staff_id: int, chat_id: int, language: str) -> None:
    """Remember where a staff member writes from and in which language they read."""
    if len(language) > LANGUAGE_MAX:
        raise ValueError(f"language {language!r} is longer than {LANGUAGE_MAX} characters")
    staff = staff_row(session, staff_id)
    staff.chat_id = chat_id
    staff.language = language


def subscribe(session: Session, *, staff_id: int, frequency: str, now: datetime) -> bool:
    """Set a staff member's digest frequency ("" stops it); False if it was already so.

    Stopping also drops the scheduled digests not sent yet.
    """
    if frequency not in ("", *DIGEST_FREQUENCIES):
        raise ValueError(f"unknown frequency {frequency!r}")
    staff = staff_row(session, staff_id)
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


def subscribers(session: Session) -> list[Staff]:
    """Return the staff members who get scheduled digests."""
    return list(session.exec(select(Staff).where(Staff.frequency != "").order_by(col(Staff.id))))


def staff_row(session: Session, staff_id: int) -> Staff:
    """Return the staff member with this id; raise LookupError if there is none."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise LookupError(f"no staff member with id {staff_id}")
    return staff


def add_invite(
    session: Session, *, token_hash: str, role: str, now: datetime, expires_at: datetime
) -> None:
    """Store a one-time invitation by the hash of its token."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {sorted(ROLES)}")
    invite = StaffInvite(token_hash=token_hash, role=role, created_at=now, expires_at=expires_at)
    session.add(invite)
    session.flush()


def redeem_invite(
    session: Session, *, token_hash: str, telegram_id: int, now: datetime
) -> tuple[str, Staff | None]:
    """Use an invitation: ("joined", staff), or ("used" | "expired" | "invalid", None).

    A used or expired invitation changes nothing; an admin invited as staff stays admin.
    """
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
