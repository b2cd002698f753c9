"""Themes: a theme per problem, theme rows for staff labels and merges, the model snapshot.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 03:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("label_override", sa.String(length=120), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
    )
    state = op.create_table(
        "theme_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("snapshot_seq", sa.Integer(), nullable=False),
        sa.Column("last_problem_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_state")),
    )
    # The one row exists from the start, so every writer can lock it (SELECT … FOR UPDATE).
    op.bulk_insert(
        state, [{"id": 1, "revision": 0, "seq": 0, "snapshot_seq": 0, "last_problem_id": 0}]
    )
    with op.batch_alter_table("problem") as batch:
        batch.add_column(sa.Column("theme_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("theme_seq", sa.Integer(), nullable=True))
        batch.create_index("ix_problem_theme_id_id", ["theme_id", "id"], unique=False)
        batch.create_index("ix_problem_theme_seq", ["theme_seq"], unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("problem") as batch:
        batch.drop_index("ix_problem_theme_seq")
        batch.drop_index("ix_problem_theme_id_id")
        batch.drop_column("theme_seq")
        batch.drop_column("theme_id")
    op.drop_table("theme_state")
    op.drop_table("theme")
