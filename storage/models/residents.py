"""Residents, their interview state, the updates handled and the pseudonym key."""

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, BigInteger
from sqlmodel import Field, SQLModel

from storage.models.types import LANGUAGE_MAX, PSEUDONYM_MAX, UTCDateTime


class ResidentBase(SQLModel):
    """What we know about a resident: a pseudonym, never the Telegram user id."""

    pseudonym: str = Field(min_length=1, max_length=PSEUDONYM_MAX, unique=True, index=True)
    language: str = Field(default="", max_length=LANGUAGE_MAX)
    consent_version: int = Field(default=0, ge=0)
    follow_up_consent: bool = False
    # Kept only for residents who agreed to be contacted again.
    chat_id: int | None = Field(default=None, sa_type=BigInteger)


class Resident(ResidentBase, table=True):
    """A resident who has written to the bot."""

    id: int | None = Field(default=None, primary_key=True)
    consented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    # Set by staff (/block): the resident's reports are left out of digests; nothing is deleted.
    # Indexed: labels leave out blocked residents' words, found from these few rows.
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # Consent to hear what becomes of their reports: the question's version agreed to, 0 = none.
    hear_back_version: int = Field(default=0, ge=0)
    hear_back_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """The whole interview state of one resident, stored as one JSON document."""

    resident_id: int = Field(
        primary_key=True,
        foreign_key="resident.id",
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},
    )
    state: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ProcessedUpdate(SQLModel, table=True):
    """A Telegram update id already handled, so a redelivered update is not applied twice."""

    __tablename__ = "processed_update"

    update_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    processed_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Set once the answer reached the resident: a redelivered update then needs no reply again.
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- the pseudonym key ------------------------------------------------------------------------

FINGERPRINT_CHARS: Final = 64  # HMAC-SHA256, hex
KEY_FINGERPRINT_ID: Final = 1  # the one row


class KeyFingerprint(SQLModel, table=True):
    """An HMAC of a fixed text with the pseudonym key: tells a different key, reveals nothing."""

    __tablename__ = "key_fingerprint"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    fingerprint: str = Field(max_length=FINGERPRINT_CHARS)
    created_at: datetime = Field(sa_type=UTCDateTime)
