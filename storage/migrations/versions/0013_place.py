"""Keep the place name a resident typed with their problem.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    with op.batch_alter_table("problem") as batch:
        batch.add_column(
            sa.Column(
                "place",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("problem") as batch:
        batch.drop_column("place")
