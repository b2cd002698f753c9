"""Who is staff: one-time invitations, the role check on every command, the staff language."""

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message
from sqlmodel import Session

from flows.language import normalise_language_code
from storage import queries
from storage.database import Database

INVITE_PREFIX = "staff_"
INVITE_LIFETIME = timedelta(days=7)
TOKEN_BYTES = 24  # 32 URL-safe characters: "staff_" + token stays within 64
PAYLOAD = re.compile(r"staff_[A-Za-z0-9_-]{1,58}")


def hash_token(token: str) -> str:
    """Return what is stored of an invitation token: its SHA-256 (a leak opens nothing)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invite_link(bot_username: str, token: str) -> str:
    """Return the deep link that opens the bot with the invitation."""
    return f"https://t.me/{bot_username}?start={INVITE_PREFIX}{token}"


def create_invite(db: Database, *, role: str, now: datetime) -> tuple[str, datetime]:
    """Store a new one-time invitation; return its token and when it expires."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires = now + INVITE_LIFETIME
    db.call(
        queries.add_invite, token_hash=hash_token(token), role=role, now=now, expires_at=expires
    )
    return token, expires


def staff_language(code: str | None, offered: Sequence[str]) -> str:
    """Pick an ``offered`` staff language for a language_code: English if not offered."""
    language = normalise_language_code(code)
    if language is not None and language in offered:
        return language
    return "en" if language else "nb"


@dataclass(frozen=True, slots=True)
class Member:
    """The staff member behind a command, as the role check found them."""

    id: int
    role: str


class StaffRole(Filter):
    """Match a private message whose sender has one of ``roles``, looked up on every call."""

    def __init__(self, db: Database, roles: frozenset[str]) -> None:
        self.db = db
        self.roles = roles

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        """Return the member for the handler, or False to let the interview have the update."""
        if message.from_user is None or message.chat.type != "private":
            return False
        member = await self.db.run(_member, telegram_id=message.from_user.id)
        return {"member": member} if member is not None and member.role in self.roles else False


def _member(session: Session, *, telegram_id: int) -> Member | None:
    staff = queries.get_staff(session=session, telegram_id=telegram_id)
    return Member(staff.id, staff.role) if staff and staff.id is not None else None


def redeem(
    session: Session,
    *,
    update_id: int,
    token: str,
    user_id: int,
    chat_id: int,
    language: str,
    now: datetime,
) -> tuple[str, str] | None:
    """Return (outcome, role) of redeeming ``token``; None for a repeated update."""
    if not queries.claim_update(session=session, update_id=update_id, now=now):
        return None
    outcome, staff = queries.redeem_invite(
        session=session, token_hash=hash_token(token), telegram_id=user_id, now=now
    )
    if staff is None or staff.id is None:
        return outcome, ""
    queries.note_staff_chat(session=session, staff_id=staff.id, chat_id=chat_id, language=language)
    return outcome, staff.role
