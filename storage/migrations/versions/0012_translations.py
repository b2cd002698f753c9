"""Theme labels per staff language, machine translations of problems, themes formed afresh.

The theme model now compares dictionary forms and concepts of every language (model version 2):
the stored model of version 1 cannot be read, so every problem is handed back to the theme
assigner, which forms themes again under new ids (as ``innspill themes rebuild`` does; labels
staff gave the old themes stay on those, which no longer hold problems).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sa.DateTime(timezone=True)
_STATE = sa.table(
    "theme_state",
    sa.column("id", sa.Integer),
    sa.column("snapshot", sa.JSON),
    sa.column("revision", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("snapshot_seq", sa.Integer),
)
_PROBLEM = sa.table(
    "problem", sa.column("theme_id", sa.Integer), sa.column("theme_seq", sa.Integer)
)
_THEME = sa.table("theme", sa.column("id", sa.Integer))


def upgrade() -> None:
    """Upgrade the schema and hand every problem back to the theme assigner."""
    op.add_column("theme", sa.Column("labels", sa.JSON(), nullable=True))
    op.create_table(
        "translation",
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("target", _TEXT(length=8), nullable=False),
        sa.Column("source_hash", _TEXT(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_translation_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", "target", name=op.f("pk_translation")),
    )
    _start_themes_afresh(version=2)


def downgrade() -> None:
    """Downgrade the schema; themes are formed afresh by the older model."""
    op.drop_table("translation")
    op.drop_column("theme", "labels")
    _start_themes_afresh(version=1)


def _start_themes_afresh(version: int) -> None:
    """Store an empty model of ``version`` numbering after every theme id, unassign problems."""
    bind = op.get_bind()
    themed = sa.select(_PROBLEM.c.theme_id).where(_PROBLEM.c.theme_id.is_not(None)).limit(1)
    modelled = sa.select(_STATE.c.id).where(_STATE.c.snapshot.is_not(None)).limit(1)
    if bind.execute(themed).first() is None and bind.execute(modelled).first() is None:
        return  # no theme formed yet: nothing to start again
    highest = bind.execute(sa.select(sa.func.max(_THEME.c.id))).scalar() or 0
    empty = {
        "version": version,
        "documents": 0,
        "next_id": int(highest) + 1,
        "params": {},
        "frequencies": {},
        "themes": [],
    }
    bind.execute(
        _STATE.update().values(
            snapshot=empty, seq=0, snapshot_seq=0, revision=_STATE.c.revision + 1
        )
    )
    bind.execute(_PROBLEM.update().values(theme_id=None, theme_seq=None))
