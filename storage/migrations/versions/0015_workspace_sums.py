"""Index the columns the workspace counts by, so a year of problems is counted from the index.

SQLite gets one index over all of them, ordered by time; PostgreSQL cannot order by a JSON
column, so there the others are included in an index on the time. Building the index reads
every stored problem: nothing else to fill in.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 16:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A migration must not import the models: these are the columns as of this revision.
_COLUMNS = (
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


def upgrade() -> None:
    """Upgrade the schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_problem_view_pg", "problem", [_COLUMNS[0]], postgresql_include=list(_COLUMNS[1:])
        )
    else:
        op.create_index("ix_problem_view", "problem", list(_COLUMNS))


def downgrade() -> None:
    """Downgrade the schema."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_problem_view_pg" if postgresql else "ix_problem_view", table_name="problem")
