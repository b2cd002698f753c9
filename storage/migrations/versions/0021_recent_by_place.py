"""Index problems by area and by workshop, newest last, for the "me too" candidates.

Each saved problem is shown up to 200 recent problems of others from the same workshop or area
(``storage.queries.problems.similar_candidates``), inside the transaction that saves it. Read
through the workspace's index by area, SQLite sorted every problem of the area by time first:
0.4-2.5 s at a million stored (280,000 in the largest area), SQLite's writer lock held all
that time, so residents' answers queued behind each other and, with 200 residents at once,
waited over a minute. Through these, the newest 200 of an area are read in order and the rest
never. SQLite only, where it was measured: PostgreSQL's plans (and its workspace's narrow
indexes, 0017 and 0019) are left as they are. Building them reads every stored problem (26 s
per million on a busy machine).

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_problem_area_recent": ["area", "created_at"],
    "ix_problem_workshop_recent": ["workshop", "created_at"],
}


def upgrade() -> None:
    """Upgrade the schema."""
    if op.get_bind().dialect.name == "sqlite":
        for name, columns in _INDEXES.items():
            op.create_index(name, "problem", columns)


def downgrade() -> None:
    """Downgrade the schema."""
    if op.get_bind().dialect.name == "sqlite":
        for name in _INDEXES:
            op.drop_index(name, table_name="problem")
