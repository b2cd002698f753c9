"""Staff, their invitations and the digests owed to them."""

from datetime import datetime
from typing import Final

from pydantic import field_validator
from sqlalchemy import BigInteger, CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.types import LANGUAGE_MAX, TOKEN_HASH_CHARS, OutboxRow, UTCDateTime

# -- staff and digests -----------------------------------------------------------------------
# Staff are municipal employees, not residents: their Telegram user id and chat id are stored.

ROLES: Final = frozenset({"staff", "admin"})
ROLE_MAX: Final = 8
FREQUENCY_MAX: Final = 8
DIGEST_FREQUENCIES: Final = ("weekly", "daily")  # what staff can subscribe to


class StaffBase(SQLModel):
    """A municipal employee who may read digests and exports."""

    telegram_id: int = Field(gt=0, sa_type=BigInteger, unique=True, index=True)
    role: str = Field(default="staff", max_length=ROLE_MAX)
    language: str = Field(default="nb", max_length=LANGUAGE_MAX)
    # Where digests go; set when they first write to the bot (a private chat).
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    frequency: str = Field(default="", max_length=FREQUENCY_MAX)  # "" = not subscribed

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {value!r}; expected one of {sorted(ROLES)}")
        return value


class Staff(StaffBase, table=True):
    """A staff member; removing one removes their subscription and pending digests."""

    __table_args__ = (
        CheckConstraint("role IN ('staff', 'admin')", name="role_known"),
        CheckConstraint("frequency IN ('', 'weekly', 'daily')", name="frequency_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    subscribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffInvite(SQLModel, table=True):
    """A one-time invitation link; only a hash of its token is kept."""

    __tablename__ = "staff_invite"
    __table_args__ = (CheckConstraint("role IN ('staff', 'admin')", name="role_known"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=TOKEN_HASH_CHARS, unique=True, index=True)
    role: str = Field(default="staff", max_length=ROLE_MAX)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, sa_type=BigInteger)  # Telegram user id


class DigestDelivery(OutboxRow, table=True):
    """One digest owed to one staff member for one period: recorded once, sent once.

    ``parts_sent`` counts the messages Telegram accepted, so a retry resumes after them;
    ``claimed_until`` is the lease of the process sending it now.
    """

    __tablename__ = "digest_delivery"
    __table_args__ = (
        UniqueConstraint("staff_id", "kind", "period_start", name="uq_digest_delivery_period"),
        CheckConstraint("kind IN ('weekly', 'daily', 'manual')", name="kind_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=FREQUENCY_MAX)
    period_start: datetime = Field(sa_type=UTCDateTime)
    period_end: datetime = Field(sa_type=UTCDateTime)
    parts_sent: int = Field(default=0, ge=0)
