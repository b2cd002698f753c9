"""Close the loop: staff notes translated for residents, statuses carried over by a rebuild.

Also an index on ``resident.blocked_at``: theme labels leave out blocked residents' words.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "note_translation",
        sa.Column("source_hash", _TEXT(length=64), nullable=False),
        sa.Column("target", _TEXT(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_hash", "target", name=op.f("pk_note_translation")),
    )
    with op.batch_alter_table("status_change") as batch:
        batch.add_column(sa.Column("carried_from", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_resident_blocked_at"), "resident", ["blocked_at"], unique=False)


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_resident_blocked_at"), table_name="resident")
    with op.batch_alter_table("status_change") as batch:
        batch.drop_column("carried_from")
    op.drop_table("note_translation")
