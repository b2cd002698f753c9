"""Shared column types and limits: aware UTC timestamps, key lengths, the naming convention."""

from datetime import UTC, datetime
from typing import Annotated, Final

from pydantic import StringConstraints
from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Named constraints let Alembic alter them later, also in SQLite batch mode.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PSEUDONYM_MAX: Final = 64
LANGUAGE_MAX: Final = 8
KEY_MAX: Final = 32  # group, area and frequency keys, workshop codes
TEXT_MAX: Final = 4096  # a Telegram message holds at most 4096 characters
PLACE_MAX: Final = 100  # a typed place name, kept as the resident wrote it
GROUPS_MAX: Final = 20
SOURCE_MAX: Final = 16
SOURCES: Final = frozenset({"telegram", "terminal", "import"})
SEVERITY_MIN: Final = 1
SEVERITY_MAX: Final = 5
CONTENT_HASH_MAX: Final = 64  # SHA-256, hex
ERROR_MAX: Final = 120
TOKEN_HASH_CHARS: Final = 64  # SHA-256, hex

GroupKey = Annotated[str, StringConstraints(min_length=1, max_length=KEY_MAX)]


class UTCDateTime(TypeDecorator[datetime]):
    """Store a timestamp as UTC and read it back as an aware UTC datetime on every dialect."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes; convert aware ones to UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} refused: pass a timezone-aware datetime "
                "(e.g. datetime.now(UTC))"
            )
        value = value.astimezone(UTC)
        # SQLite has no time zone type: it keeps the UTC wall time and we re-attach UTC on read.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored moment as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class OutboxRow(SQLModel):
    """The columns of every message the outbox sends: when it is due, its lease, its attempts."""

    due_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim: str = Field(default="", max_length=32)  # who holds the lease (a random id)
    attempts: int = Field(default=0, ge=0)
    last_error: str = Field(default="", max_length=ERROR_MAX)  # an exception name, never text
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
