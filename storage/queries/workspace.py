"""The web workspace: sign-in links, browser sessions, hidden quotes and the staff action log."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import (
    ACTION_DETAIL_MAX,
    HiddenQuote,
    Problem,
    Staff,
    StaffAction,
    Theme,
    WebSession,
    WebSignIn,
)


@dataclass(frozen=True, slots=True)
class WebMember:
    """The staff member behind a browser session, as found on this request."""

    staff_id: int
    telegram_id: int
    role: str
    language: str
    csrf: str


@dataclass(frozen=True, slots=True)
class Hidden:
    """Who hid a quote, and when."""

    by: int
    at: datetime


def add_sign_in(
    session: Session, *, telegram_id: int, token_hash: str, now: datetime, expires_at: datetime
) -> bool:
    """Store a one-time sign-in link for a staff member; False if they are not staff."""
    staff = session.exec(select(Staff).where(Staff.telegram_id == telegram_id)).first()
    if staff is None or staff.id is None:
        return False
    row = WebSignIn(
        token_hash=token_hash, staff_id=staff.id, created_at=now, expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return True


def redeem_sign_in(
    session: Session,
    *,
    token_hash: str,
    session_hash: str,
    csrf: str,
    now: datetime,
    until: datetime,
) -> str:
    """Use a sign-in link to open a session: "ok", or "used" | "expired" | "invalid"."""
    query = (
        select(WebSignIn, Staff)
        .join(Staff, col(Staff.id) == col(WebSignIn.staff_id))
        .where(WebSignIn.token_hash == token_hash)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = session.exec(query).first()
    if found is None:
        return "invalid"
    link, staff = found
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    link.used_at = now
    assert staff.id is not None  # a loaded row
    session.exec(delete(WebSession).where(col(WebSession.expires_at) <= now))
    session.add(
        WebSession(
            token_hash=session_hash,
            staff_id=staff.id,
            telegram_id=staff.telegram_id,
            csrf=csrf,
            created_at=now,
            expires_at=until,
        )
    )
    session.flush()
    return "ok"


def session_member(session: Session, *, session_hash: str, now: datetime) -> WebMember | None:
    """Return the staff member of a live session, their role looked up now; None if none."""
    query = (
        select(WebSession, Staff)
        .join(
            Staff,
            (col(Staff.id) == col(WebSession.staff_id))
            & (col(Staff.telegram_id) == col(WebSession.telegram_id)),
        )
        .where(WebSession.token_hash == session_hash, col(WebSession.expires_at) > now)
    )
    found = session.exec(query).first()
    if found is None:
        return None
    web, staff = found
    return WebMember(web.staff_id, staff.telegram_id, staff.role, staff.language, web.csrf)


def end_session(session: Session, *, session_hash: str) -> None:
    """Sign a browser out."""
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == session_hash))


def log_action(
    session: Session, *, telegram_id: int, action: str, target: str, detail: str, now: datetime
) -> None:
    """Record what a staff member changed (names and numbers, never resident text)."""
    session.add(
        StaffAction(
            telegram_id=telegram_id,
            action=action,
            target=target,
            detail=detail[:ACTION_DETAIL_MAX],
            created_at=now,
        )
    )


def set_quote_hidden(
    session: Session, *, problem_id: int, hidden: bool, telegram_id: int, now: datetime
) -> bool:
    """Hide a problem's words from digests and quote lists, or show them; False if unknown."""
    if session.get(Problem, problem_id) is None:
        return False
    row = session.get(HiddenQuote, problem_id)
    if hidden and row is None:
        session.add(HiddenQuote(problem_id=problem_id, hidden_by=telegram_id, hidden_at=now))
    elif not hidden and row is not None:
        session.delete(row)
    action = "hide" if hidden else "show"
    log_action(
        session=session,
        telegram_id=telegram_id,
        action=action,
        target=f"problem:{problem_id}",
        detail="",
        now=now,
    )
    session.flush()
    return True


def hidden_quotes(session: Session, *, ids: Iterable[int]) -> dict[int, Hidden]:
    """Return who hid which of these problems' words, and when."""
    wanted = list(ids)
    found: dict[int, Hidden] = {}
    for start in range(0, len(wanted), 500):  # bounded IN lists
        chunk = wanted[start : start + 500]
        query = select(HiddenQuote).where(col(HiddenQuote.problem_id).in_(chunk))
        found |= {h.problem_id: Hidden(h.hidden_by, h.hidden_at) for h in session.exec(query)}
    return found


def move_problem(session: Session, *, problem_id: int, theme_id: int) -> bool:
    """Put one problem into another theme (its words stay as they are); False if unknown."""
    problem = session.get(Problem, problem_id)
    theme = session.get(Theme, theme_id)
    if problem is None or theme is None or theme.merged_into is not None:
        return False
    session.exec(update(Problem).where(col(Problem.id) == problem_id).values(theme_id=theme_id))
    return True


def theme_actions(
    session: Session, *, targets: Iterable[str], limit: int = 20
) -> list[StaffAction]:
    """Return the latest staff actions on these targets, newest first."""
    query = (
        select(StaffAction)
        .where(col(StaffAction.target).in_(list(targets)))
        .order_by(col(StaffAction.created_at).desc(), col(StaffAction.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))
