"""Index the problems' words for the workspace's text search on PostgreSQL (trigrams).

The workspace's text filter (``text ILIKE '%word%'`` for each word, storage/queries/explore.py)
read every problem of the period: a year of a million took two passes of 0.5-0.65 s each (the
count and the page). With a trigram index (the ``pg_trgm`` extension, part of PostgreSQL's
standard contrib and trusted since PostgreSQL 13, so the database's owner may create it) the
same statements read only the problems holding the word's trigrams: 0.16 and 0.11 s. Words
under three letters still read the period. Building the index reads every stored problem
(about 40 s and 130 MB per million).

Where ``pg_trgm`` is not installed, the migration says so in the log and goes on without the
index: the search works as before, only slower. SQLite gets nothing here (it scans 100,000
problems within the workspace's 300 ms).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28 01:00:00
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import DBAPIError

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_problem_text_trgm"
log = logging.getLogger(__name__)


def upgrade() -> None:
    """Upgrade the schema."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as error:
        log.warning(
            "PostgreSQL could not create the pg_trgm extension (%s): the workspace's text "
            "search reads every problem of the period. To index it, have the database's "
            "administrator install PostgreSQL's contrib package and run: CREATE EXTENSION "
            "pg_trgm; CREATE INDEX %s ON problem USING gin (text gin_trgm_ops);",
            str(error.orig).strip().splitlines()[0],
            _NAME,
        )
        return
    op.create_index(
        _NAME,
        "problem",
        ["text"],
        postgresql_using="gin",
        postgresql_ops={"text": "gin_trgm_ops"},
    )


def downgrade() -> None:
    """Downgrade the schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(_NAME, table_name="problem", if_exists=True)
