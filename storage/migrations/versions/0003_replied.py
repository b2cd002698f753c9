"""Remember when the answer to a Telegram update was delivered.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("processed_update") as batch:
        batch.add_column(sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("processed_update") as batch:
        batch.drop_column("replied_at")
