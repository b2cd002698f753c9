"""Store how many distinct words each problem's text has: digests rank quotes by it.

The all-time digest picks quotes from a few candidates per area and group instead of reading
every text; the count is filled in here for the problems stored before. The digest counts
weeks and earlier periods from the workspace's index (0015), which starts with
(created_at, theme_id, resident_id).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from flows.digest import quote_words

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROBLEM = sa.table(
    "problem",
    sa.column("id", sa.Integer),
    sa.column("text", sa.Text),
    sa.column("quote_words", sa.Integer),
)
_BATCH = 20_000


def upgrade() -> None:
    """Upgrade the schema and count the words of the stored problems."""
    with op.batch_alter_table("problem") as batch:
        batch.add_column(
            sa.Column("quote_words", sa.Integer(), nullable=False, server_default="0")
        )
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_PROBLEM.c.id, _PROBLEM.c.text)
            .where(_PROBLEM.c.id > last)
            .order_by(_PROBLEM.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            sa.update(_PROBLEM)
            .where(_PROBLEM.c.id == sa.bindparam("pid"))
            .values(quote_words=sa.bindparam("words")),
            [{"pid": pid, "words": quote_words(text)} for pid, text in rows],
        )
        last = rows[-1][0]


def downgrade() -> None:
    """Downgrade the schema."""
    with op.batch_alter_table("problem") as batch:
        batch.drop_column("quote_words")
