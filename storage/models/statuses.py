"""What became of a report: its status history and the news owed to residents."""

from datetime import datetime
from typing import Final

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.problems import TRANSLATION_TARGET_MAX
from storage.models.types import CONTENT_HASH_MAX, LANGUAGE_MAX, OutboxRow, UTCDateTime

# -- what became of a report ---------------------------------------------------------------------
# Statuses are kept as a history of changes (the latest one counts); the news of a change is owed
# to each resident who agreed to hear back and is sent through the outbox like any message.

STATUS_MAX: Final = 16
STATUS_NOTE_MAX: Final = 1000
CHANGED_BY_MAX: Final = 64
_STATUS_KEYS = "'received', 'reviewing', 'planned', 'in_progress', 'done', 'declined'"


class StatusChange(SQLModel, table=True):
    """One status given to a theme or a single problem: who, when, and the public note."""

    __tablename__ = "status_change"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_KEYS})", name="status_known"),
        CheckConstraint("(theme_id IS NULL) <> (problem_id IS NULL)", name="one_target"),
        Index("ix_status_change_theme", "theme_id", "id"),
        Index("ix_status_change_problem", "problem_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    theme_id: int | None = None  # a theme, or …
    problem_id: int | None = Field(default=None, foreign_key="problem.id", ondelete="CASCADE")
    status: str = Field(max_length=STATUS_MAX)
    note: str = Field(default="", max_length=STATUS_NOTE_MAX, sa_type=Text)
    note_language: str = Field(default="", max_length=LANGUAGE_MAX)
    changed_by: str = Field(max_length=CHANGED_BY_MAX)  # "telegram:<staff user id>", "cli:<user>"
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # A copy a rebuilt theme inherited (the change it copies): history, not news of the period.
    carried_from: int | None = None


class StatusNotice(OutboxRow, table=True):
    """The news of a status change owed to one resident: recorded once, sent once (leased).

    An unsent notice follows later changes of the same theme (``change_id`` moves on), so
    changes close together become one message with the latest status.
    """

    __tablename__ = "status_notice"
    __table_args__ = (
        UniqueConstraint("resident_id", "change_id", name="uq_status_notice_change"),
        Index("ix_status_notice_pending", "resident_id", "theme_id", "problem_id", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", ondelete="CASCADE")
    theme_id: int | None = None
    problem_id: int | None = Field(default=None, foreign_key="problem.id", ondelete="CASCADE")
    change_id: int = Field(foreign_key="status_change.id", ondelete="CASCADE", index=True)


class NoteTranslation(SQLModel, table=True):
    """A staff note machine-translated into a resident's language, kept so it is asked once.

    Keyed by the note's text (its SHA-256), not by the change: a note carried over to a rebuilt
    theme, or given again, is not translated again.
    """

    __tablename__ = "note_translation"

    source_hash: str = Field(primary_key=True, max_length=CONTENT_HASH_MAX)
    target: str = Field(primary_key=True, max_length=TRANSLATION_TARGET_MAX)
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
