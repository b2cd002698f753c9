"""Add statuses of themes and problems, the status news owed to residents, public themes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sa.DateTime(timezone=True)
_STATUSES = "'received', 'reviewing', 'planned', 'in_progress', 'done', 'declined'"


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "public_theme",
        sa.Column("theme_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("published_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("theme_id", name=op.f("pk_public_theme")),
    )
    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("note_language", _TEXT(length=8), nullable=False),
        sa.Column("changed_by", _TEXT(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name=op.f("ck_status_change_status_known")),
        sa.CheckConstraint(
            "(theme_id IS NULL) <> (problem_id IS NULL)", name=op.f("ck_status_change_one_target")
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_status_change_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_change")),
    )
    op.create_index(op.f("ix_status_change_created_at"), "status_change", ["created_at"])
    op.create_index("ix_status_change_problem", "status_change", ["problem_id", "id"])
    op.create_index("ix_status_change_theme", "status_change", ["theme_id", "id"])
    _create_notices()
    with op.batch_alter_table("resident") as batch:
        batch.add_column(
            sa.Column("hear_back_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("hear_back_at", _WHEN, nullable=True))
    with op.batch_alter_table("resident") as batch:
        batch.alter_column("hear_back_version", server_default=None)


def _create_notices() -> None:
    op.create_table(
        "status_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("due_at", _WHEN, nullable=False),
        sa.Column("next_attempt_at", _WHEN, nullable=False),
        sa.Column("claimed_until", _WHEN, nullable=True),
        sa.Column("claim", _TEXT(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", _TEXT(length=120), nullable=False),
        sa.Column("sent_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["status_change.id"],
            name=op.f("fk_status_notice_change_id_status_change"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_status_notice_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_status_notice_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_notice")),
        sa.UniqueConstraint("resident_id", "change_id", name="uq_status_notice_change"),
    )
    op.create_index(op.f("ix_status_notice_change_id"), "status_notice", ["change_id"])
    op.create_index(op.f("ix_status_notice_next_attempt_at"), "status_notice", ["next_attempt_at"])
    op.create_index(
        "ix_status_notice_pending",
        "status_notice",
        ["resident_id", "theme_id", "problem_id", "sent_at"],
    )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("resident") as batch:
        batch.drop_column("hear_back_at")
        batch.drop_column("hear_back_version")
    op.drop_table("status_notice")
    op.drop_table("status_change")
    op.drop_table("public_theme")
