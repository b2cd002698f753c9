"""Add workshops, follow-ups owed to participants, their observations, endorsements, imports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "workshop",
        sa.Column("code", _TEXT(length=32), nullable=False),
        sa.Column("name", _TEXT(length=120), nullable=False),
        sa.Column("group", _TEXT(length=32), nullable=False),
        sa.Column("area", _TEXT(length=32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("followups", _TEXT(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop")),
    )
    op.create_index(op.f("ix_workshop_code"), "workshop", ["code"], unique=True)
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("next_attempt_at", _WHEN, nullable=False),
        sa.Column("claimed_until", _WHEN, nullable=True),
        sa.Column("claim", _TEXT(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", _TEXT(length=120), nullable=False),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.Column("answered_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_follow_up_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_follow_up_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
        sa.UniqueConstraint("resident_id", "workshop_id", "round", name="uq_follow_up_round"),
    )
    op.create_index(op.f("ix_follow_up_resident_id"), "follow_up", ["resident_id"])
    op.create_index(op.f("ix_follow_up_workshop_id"), "follow_up", ["workshop_id"])
    op.create_index(op.f("ix_follow_up_next_attempt_at"), "follow_up", ["next_attempt_at"])
    _create_observation()
    _create_endorsement()
    op.create_table(
        "imported_row",
        sa.Column("content_hash", _TEXT(length=64), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_imported_row_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_imported_row")),
    )
    op.create_index(op.f("ix_imported_row_problem_id"), "imported_row", ["problem_id"])


def _create_observation() -> None:
    op.create_table(
        "observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("recurred", sa.Boolean(), nullable=False),
        sa.Column("frequency", _TEXT(length=32), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["follow_up.id"],
            name=op.f("fk_observation_follow_up_id_follow_up"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_observation_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation")),
        sa.UniqueConstraint("problem_id", "follow_up_id", name="uq_observation_round"),
    )
    op.create_index(op.f("ix_observation_problem_id"), "observation", ["problem_id"])


def _create_endorsement() -> None:
    op.create_table(
        "endorsement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_endorsement_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_endorsement_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_endorsement")),
        sa.UniqueConstraint("problem_id", "resident_id", name="uq_endorsement_resident"),
    )
    op.create_index(op.f("ix_endorsement_problem_id"), "endorsement", ["problem_id"])
    op.create_index(op.f("ix_endorsement_resident_id"), "endorsement", ["resident_id"])


def downgrade() -> None:
    """Downgrade the schema."""
    for table in ("imported_row", "endorsement", "observation", "follow_up", "workshop"):
        op.drop_table(table)
