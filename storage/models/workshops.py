"""Workshops, follow-ups, observations, endorsements and imported rows."""

from datetime import date, datetime
from typing import Final

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.types import CONTENT_HASH_MAX, KEY_MAX, OutboxRow, UTCDateTime

# -- workshops, follow-ups, endorsements ---------------------------------------------------------
# A workshop tags what its participants report; follow-ups are owed only to residents who agreed
# (their chat id is on the resident row); observations and endorsements go when a resident does.

WORKSHOP_NAME_MAX: Final = 120
FOLLOW_UP_OFFSETS_MAX: Final = 64  # "1d,14d"


class WorkshopBase(SQLModel):
    """A problem workshop with one resident group, at one place, on one day."""

    code: str = Field(min_length=1, max_length=KEY_MAX, unique=True, index=True)
    name: str = Field(min_length=1, max_length=WORKSHOP_NAME_MAX)
    group: str = Field(default="", max_length=KEY_MAX)
    area: str = Field(default="", max_length=KEY_MAX)
    held_on: date
    followups: str = Field(default="", max_length=FOLLOW_UP_OFFSETS_MAX)  # offsets, e.g. "1d,14d"


class Workshop(WorkshopBase, table=True):
    """A stored workshop; its link opens until ``expires_at``."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class FollowUp(OutboxRow, table=True):
    """One follow-up message owed to one participant: recorded once, sent once (leased)."""

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("resident_id", "workshop_id", "round", name="uq_follow_up_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", ondelete="CASCADE", index=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE", index=True)
    round: int = Field(ge=0)  # 0: "did we capture it?"; later rounds: "has it happened again?"
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Observation(SQLModel, table=True):
    """A participant's later answer about their problem: did it happen again, and how often."""

    __table_args__ = (UniqueConstraint("problem_id", "follow_up_id", name="uq_observation_round"),)

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", ondelete="CASCADE", index=True)
    follow_up_id: int = Field(foreign_key="follow_up.id", ondelete="CASCADE")
    recurred: bool
    frequency: str = Field(default="", max_length=KEY_MAX)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Endorsement(SQLModel, table=True):
    """A resident saying "same for me" about someone else's problem: once per resident."""

    __table_args__ = (
        UniqueConstraint("problem_id", "resident_id", name="uq_endorsement_resident"),
    )

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", ondelete="CASCADE", index=True)
    resident_id: int = Field(foreign_key="resident.id", ondelete="CASCADE", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ImportedRow(SQLModel, table=True):
    """The content hash of an imported note, so importing a file twice adds nothing."""

    __tablename__ = "imported_row"

    content_hash: str = Field(primary_key=True, max_length=CONTENT_HASH_MAX)
    problem_id: int = Field(foreign_key="problem.id", ondelete="CASCADE", index=True)
