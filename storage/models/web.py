"""The web workspace: sign-in links, sessions, hidden quotes and the staff action log."""

from datetime import datetime
from typing import Final

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from storage.models.types import TOKEN_HASH_CHARS, UTCDateTime

# -- the web workspace -------------------------------------------------------------------------
# Sign-in links and sessions are stored only as SHA-256 hashes of their tokens; removing a staff
# member deletes both (ON DELETE CASCADE). Hidden quotes and staff actions are the moderation log.

ACTION_MAX: Final = 16
ACTION_TARGET_MAX: Final = 64
ACTION_DETAIL_MAX: Final = 240
CSRF_MAX: Final = 64


class WebSignIn(SQLModel, table=True):
    """A one-time sign-in link to the workspace for one staff member."""

    __tablename__ = "web_sign_in"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_CHARS, unique=True, index=True)
    staff_id: int = Field(foreign_key="staff.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in browser: the hash of its cookie, whose it is, and its CSRF token."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_CHARS, unique=True, index=True)
    staff_id: int = Field(foreign_key="staff.id", ondelete="CASCADE", index=True)
    # Checked against the staff row on every request: a reused staff id opens nothing.
    telegram_id: int = Field(sa_type=BigInteger)
    csrf: str = Field(max_length=CSRF_MAX)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class HiddenQuote(SQLModel, table=True):
    """A problem whose words staff hid from digests and quote lists (reversible)."""

    __tablename__ = "hidden_quote"

    problem_id: int = Field(
        primary_key=True,
        foreign_key="problem.id",
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},
    )
    hidden_by: int = Field(sa_type=BigInteger)  # the staff member's Telegram user id
    hidden_at: datetime = Field(sa_type=UTCDateTime)


class StaffAction(SQLModel, table=True):
    """What a staff member changed in the workspace, and when (never resident text)."""

    __tablename__ = "staff_action"

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = Field(sa_type=BigInteger)
    action: str = Field(max_length=ACTION_MAX)  # rename, merge, move, hide, show
    target: str = Field(max_length=ACTION_TARGET_MAX)  # e.g. "theme:12", "problem:345"
    detail: str = Field(default="", max_length=ACTION_DETAIL_MAX)
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
