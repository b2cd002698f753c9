"""Problems as residents described them, and their machine translations for staff."""

from datetime import datetime
from typing import Final

from pydantic import field_validator
from sqlalchemy import JSON, CheckConstraint, Index, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from flows.digest import quote_words
from storage.models.types import (
    CONTENT_HASH_MAX,
    GROUPS_MAX,
    KEY_MAX,
    LANGUAGE_MAX,
    PLACE_MAX,
    SEVERITY_MAX,
    SEVERITY_MIN,
    SOURCE_MAX,
    SOURCES,
    TEXT_MAX,
    GroupKey,
    UTCDateTime,
)


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


VIEW_COLUMNS: Final = (
    "created_at",
    "theme_id",
    "resident_id",
    "source",
    "area",
    "language",
    "groups",
    "severity",
    "frequency",
    "workshop",
)


# The same columns in the orders the workspace groups them by (SQLite only).
THEME_COLUMNS: Final = ("theme_id", *(c for c in VIEW_COLUMNS if c != "theme_id"))
SEGMENT_COLUMNS: Final = ("area", "groups", "language", "source", "created_at", "workshop")


def _words_of_row(context: DefaultExecutionContext) -> int:
    """Count the words of a row inserted without them (bulk inserts of plain rows)."""
    row = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return quote_words(str(row.get("text") or ""))


class Problem(ProblemBase, table=True):
    """A stored problem; it outlives its resident (``resident_id`` becomes NULL)."""

    __table_args__ = (
        CheckConstraint(
            f"severity BETWEEN {SEVERITY_MIN} AND {SEVERITY_MAX}", name="severity_range"
        ),
        # The theme assigner reads "theme_id IS NULL ORDER BY id": one ordered index scan.
        Index("ix_problem_theme_id_id", "theme_id", "id"),
        Index("ix_problem_theme_seq", "theme_seq"),
        # The workspace and the digests count a period's problems by these columns: with all
        # of them in one index ordered by time, a year is counted without reading a row.
        # PostgreSQL cannot order by a JSON column, so there they ride along (INCLUDE).
        Index("ix_problem_view", *VIEW_COLUMNS).ddl_if(dialect="sqlite"),
        Index(
            "ix_problem_view_pg", VIEW_COLUMNS[0], postgresql_include=list(VIEW_COLUMNS[1:])
        ).ddl_if(dialect="postgresql"),
        # PostgreSQL sorts for each theme's distinct residents and areas: this hands them over
        # in that order (storage/queries/tallies.py). SQLite counts them from ix_problem_view.
        Index(
            "ix_problem_theme_residents_pg",
            "theme_id",
            "resident_id",
            "created_at",
            postgresql_include=["area"],
        ).ddl_if(dialect="postgresql"),
        # PostgreSQL sorts a period's residents to count the distinct ones: this hands them
        # over in that order, without reading the wide table (storage/queries/tallies.py).
        Index(
            "ix_problem_resident_time_pg",
            "resident_id",
            "created_at",
            postgresql_include=["source"],
        ).ddl_if(dialect="postgresql"),
        # The workspace's text search (ILIKE '%word%') reads only the problems holding the
        # word's trigrams (migration 0020; where pg_trgm could not be created, it is missing).
        Index(
            "ix_problem_text_trgm",
            "text",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        # SQLite has no hash aggregate: it sorts a GROUP BY's rows unless an index hands them
        # over in that order. For a long period, reading one of these whole (skipping the rows
        # outside the period) beats sorting the period's rows (storage/queries/tallies.py).
        Index("ix_problem_themes", *THEME_COLUMNS).ddl_if(dialect="sqlite"),
        Index("ix_problem_segments", *SEGMENT_COLUMNS).ddl_if(dialect="sqlite"),
        # A saved problem's "me too" candidates: a place's newest 200, read in order instead
        # of sorting every problem of the area (storage/queries/problems.py; SQLite only).
        Index("ix_problem_area_recent", "area", "created_at").ddl_if(dialect="sqlite"),
        Index("ix_problem_workshop_recent", "workshop", "created_at").ddl_if(dialect="sqlite"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL", index=True
    )
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    theme_id: int | None = None  # None until the theme assigner has seen it (bot/jobs/themes.py)
    theme_seq: int | None = None  # the order it was assigned in, to replay the model from
    # Distinct words of the text: digests rank quotes by it without reading every text.
    quote_words: int = Field(
        default=0, sa_column_kwargs={"default": _words_of_row, "server_default": "0"}
    )


@event.listens_for(Problem, "before_insert")
def _count_words(_: Mapper[Problem], __: Connection, problem: Problem) -> None:
    problem.quote_words = quote_words(problem.text)


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
