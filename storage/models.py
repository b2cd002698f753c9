"""The tables: residents, their interview state, their problems, the updates handled, staff.

Each table with resident input has a plain ``XBase`` model that carries the limits: ``table=True``
models skip pydantic validation, so queries validate through the base model before writing.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any, Final

from pydantic import StringConstraints, field_validator
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Text,
    UniqueConstraint,
)
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
    blocked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
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


class ProblemBase(SQLModel):
    """A problem as described by a resident, with the limits every stored problem meets."""

    text: str = Field(min_length=1, max_length=TEXT_MAX, sa_type=Text)
    language: str = Field(max_length=LANGUAGE_MAX)
    suggested_solution: str = Field(default="", max_length=TEXT_MAX, sa_type=Text)
    solution_language: str = Field(default="", max_length=LANGUAGE_MAX)
    groups: list[GroupKey] = Field(default_factory=list, max_length=GROUPS_MAX, sa_type=JSON)
    area: str = Field(default="", max_length=KEY_MAX)
    place: str = Field(default="", max_length=PLACE_MAX)  # the place name as typed, if any
    frequency: str = Field(default="", max_length=KEY_MAX)
    severity: int | None = Field(default=None, ge=SEVERITY_MIN, le=SEVERITY_MAX)
    source: str = Field(max_length=SOURCE_MAX)
    workshop: str = Field(default="", max_length=KEY_MAX)

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in SOURCES:
            raise ValueError(f"unknown source {value!r}; expected one of {sorted(SOURCES)}")
        return value


class Problem(ProblemBase, table=True):
    """A stored problem; it outlives its resident (``resident_id`` becomes NULL)."""

    __table_args__ = (
        CheckConstraint(
            f"severity BETWEEN {SEVERITY_MIN} AND {SEVERITY_MAX}", name="severity_range"
        ),
        # The theme assigner reads "theme_id IS NULL ORDER BY id": one ordered index scan.
        Index("ix_problem_theme_id_id", "theme_id", "id"),
        Index("ix_problem_theme_seq", "theme_seq"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    theme_id: int | None = None  # None until the theme assigner has seen it (bot/jobs/themes.py)
    theme_seq: int | None = None  # the order it was assigned in, to replay the model from


class ProcessedUpdate(SQLModel, table=True):
    """A Telegram update id already handled, so a redelivered update is not applied twice."""

    __tablename__ = "processed_update"

    update_id: int = Field(
        primary_key=True, sa_type=BigInteger, sa_column_kwargs={"autoincrement": False}
    )
    processed_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # Set once the answer reached the resident: a redelivered update then needs no reply again.
    replied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- themes ------------------------------------------------------------------------------------
# The centroids live in one JSON snapshot (ThemeState); a theme row carries what staff see.

THEME_LABEL_MAX: Final = 120
THEME_STATE_ID: Final = 1  # the one snapshot row


class Theme(SQLModel, table=True):
    """A recurring theme: its automatic label, the label staff gave it, where it was merged."""

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    label: str = Field(default="", max_length=THEME_LABEL_MAX)  # kept current by the assigner
    label_override: str = Field(default="", max_length=THEME_LABEL_MAX)  # staff's; it wins
    # The automatic label in each staff language ({"nb": …, "nn": …, "en": …}); None before 0008.
    labels: dict[str, str] | None = Field(default=None, sa_type=JSON)
    merged_into: int | None = None  # set when staff merged it into that theme
    created_at: datetime = Field(sa_type=UTCDateTime)


class ThemeState(SQLModel, table=True):
    """The theme model: a snapshot, and how far assignments went since it was taken.

    The model is the snapshot plus the problems with ``theme_seq`` above ``snapshot_seq``,
    assigned again in that order (deterministic). ``revision`` grows with every write, so a
    process holding the model in memory can tell whether another one changed it.
    """

    __tablename__ = "theme_state"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    snapshot: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    revision: int = Field(default=0, ge=0)
    seq: int = Field(default=0, ge=0)  # the last theme_seq given
    snapshot_seq: int = Field(default=0, ge=0)  # the last theme_seq the snapshot holds
    last_problem_id: int = Field(default=0, ge=0)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- staff and digests -----------------------------------------------------------------------
# Staff are municipal employees, not residents: their Telegram user id and chat id are stored.

ROLES: Final = frozenset({"staff", "admin"})
ROLE_MAX: Final = 8
FREQUENCY_MAX: Final = 8
DIGEST_FREQUENCIES: Final = ("weekly", "daily")  # what staff can subscribe to
TOKEN_HASH_CHARS: Final = 64  # SHA-256, hex
ERROR_MAX: Final = 120


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


class DigestDelivery(SQLModel, table=True):
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
    due_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim: str = Field(default="", max_length=32)  # who holds the lease (a random id)
    attempts: int = Field(default=0, ge=0)
    parts_sent: int = Field(default=0, ge=0)
    last_error: str = Field(default="", max_length=ERROR_MAX)  # an exception name, never text
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# -- workshops, follow-ups, endorsements ---------------------------------------------------------
# A workshop tags what its participants report; follow-ups are owed only to residents who agreed
# (their chat id is on the resident row); observations and endorsements go when a resident does.

WORKSHOP_NAME_MAX: Final = 120
FOLLOW_UP_OFFSETS_MAX: Final = 64  # "1d,14d"
CONTENT_HASH_MAX: Final = 64  # SHA-256, hex


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


class FollowUp(SQLModel, table=True):
    """One follow-up message owed to one participant: recorded once, sent once (leased)."""

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("resident_id", "workshop_id", "round", name="uq_follow_up_round"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="resident.id", ondelete="CASCADE", index=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE", index=True)
    round: int = Field(ge=0)  # 0: "did we capture it?"; later rounds: "has it happened again?"
    due_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim: str = Field(default="", max_length=32)
    attempts: int = Field(default=0, ge=0)
    last_error: str = Field(default="", max_length=ERROR_MAX)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
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


class StatusNotice(SQLModel, table=True):
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
    due_at: datetime = Field(sa_type=UTCDateTime)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, index=True)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claim: str = Field(default="", max_length=32)
    attempts: int = Field(default=0, ge=0)
    last_error: str = Field(default="", max_length=ERROR_MAX)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PublicTheme(SQLModel, table=True):
    """A theme staff chose to show on the public results page (PUBLIC_RESULTS)."""

    __tablename__ = "public_theme"

    theme_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    published_at: datetime = Field(sa_type=UTCDateTime)


# -- the pseudonym key ------------------------------------------------------------------------

FINGERPRINT_CHARS: Final = 64  # HMAC-SHA256, hex
KEY_FINGERPRINT_ID: Final = 1  # the one row


class KeyFingerprint(SQLModel, table=True):
    """An HMAC of a fixed text with the pseudonym key: tells a different key, reveals nothing."""

    __tablename__ = "key_fingerprint"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    fingerprint: str = Field(max_length=FINGERPRINT_CHARS)
    created_at: datetime = Field(sa_type=UTCDateTime)


# -- machine translation -----------------------------------------------------------------------
# Quotes shown to staff in their language (bot/services/translation.py); erased with the problem.

TRANSLATION_TARGET_MAX: Final = 8


class Translation(SQLModel, table=True):
    """A problem's text machine-translated into one staff language, and the text it came from."""

    problem_id: int = Field(foreign_key="problem.id", ondelete="CASCADE", primary_key=True)
    target: str = Field(primary_key=True, max_length=TRANSLATION_TARGET_MAX)
    source_hash: str = Field(max_length=CONTENT_HASH_MAX)  # SHA-256 of the text translated
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
