"""Recurring themes: the rows staff see, the model snapshot, those shown publicly."""

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from storage.models.types import UTCDateTime

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


class PublicTheme(SQLModel, table=True):
    """A theme staff chose to show on the public results page (PUBLIC_RESULTS)."""

    __tablename__ = "public_theme"

    theme_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    published_at: datetime = Field(sa_type=UTCDateTime)
