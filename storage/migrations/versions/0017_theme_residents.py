"""Index each theme's residents on PostgreSQL, so the workspace counts them without sorting.

PostgreSQL sorts a year of problems by theme to count each theme's distinct residents and
areas (0.5-0.7 s at a million problems); from this index it reads them in that order. SQLite
counts them from the workspace's index (0015) and gets nothing here. Building the index reads
every stored problem (1–2 s per million, 42 MB): nothing else to fill in.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_problem_theme_residents_pg"


def upgrade() -> None:
    """Upgrade the schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            _NAME,
            "problem",
            ["theme_id", "resident_id", "created_at"],
            postgresql_include=["area"],
        )


def downgrade() -> None:
    """Downgrade the schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(_NAME, table_name="problem")
