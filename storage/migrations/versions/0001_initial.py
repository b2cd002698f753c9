"""Create the initial tables: resident, conversation, problem, processed_update.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 01:59:33.313590
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_update")),
    )
    op.create_index(
        op.f("ix_processed_update_processed_at"),
        "processed_update",
        ["processed_at"],
        unique=False,
    )
    op.create_table(
        "resident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("consent_version", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("follow_up_consent", sa.Boolean(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident")),
    )
    op.create_index(op.f("ix_resident_pseudonym"), "resident", ["pseudonym"], unique=True)
    op.create_table(
        "conversation",
        sa.Column("resident_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_conversation_resident_id_resident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_conversation")),
    )
    op.create_table(
        "problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("suggested_solution", sa.Text(), nullable=False),
        sa.Column("solution_language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("workshop", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name=op.f("ck_problem_severity_range")),
        sa.ForeignKeyConstraint(
            ["resident_id"],
            ["resident.id"],
            name=op.f("fk_problem_resident_id_resident"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_problem")),
    )
    op.create_index(op.f("ix_problem_created_at"), "problem", ["created_at"], unique=False)
    op.create_index(op.f("ix_problem_resident_id"), "problem", ["resident_id"], unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_problem_resident_id"), table_name="problem")
    op.drop_index(op.f("ix_problem_created_at"), table_name="problem")
    op.drop_table("problem")
    op.drop_table("conversation")
    op.drop_index(op.f("ix_resident_pseudonym"), table_name="resident")
    op.drop_table("resident")
    op.drop_index(op.f("ix_processed_update_processed_at"), table_name="processed_update")
    op.drop_table("processed_update")
