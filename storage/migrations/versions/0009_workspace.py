"""Add the web workspace: sign-in links, sessions, hidden quotes and the staff action log.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_WHEN = sa.DateTime(timezone=True)


def _staff_key(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["staff_id"], ["staff.id"], name=op.f(f"fk_{table}_staff_id_staff"), ondelete="CASCADE"
    )


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "web_sign_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", _TEXT(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("used_at", _WHEN, nullable=True),
        _staff_key("web_sign_in"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_in")),
    )
    op.create_index(op.f("ix_web_sign_in_token_hash"), "web_sign_in", ["token_hash"], unique=True)
    op.create_index(op.f("ix_web_sign_in_staff_id"), "web_sign_in", ["staff_id"], unique=False)
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", _TEXT(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf", _TEXT(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        _staff_key("web_session"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_token_hash"), "web_session", ["token_hash"], unique=True)
    op.create_index(op.f("ix_web_session_staff_id"), "web_session", ["staff_id"], unique=False)
    op.create_index(op.f("ix_web_session_expires_at"), "web_session", ["expires_at"], unique=False)
    op.create_table(
        "hidden_quote",
        sa.Column("problem_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hidden_by", sa.BigInteger(), nullable=False),
        sa.Column("hidden_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["problem_id"],
            ["problem.id"],
            name=op.f("fk_hidden_quote_problem_id_problem"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("problem_id", name=op.f("pk_hidden_quote")),
    )
    op.create_table(
        "staff_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("action", _TEXT(length=16), nullable=False),
        sa.Column("target", _TEXT(length=64), nullable=False),
        sa.Column("detail", _TEXT(length=240), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_action")),
    )
    op.create_index(
        op.f("ix_staff_action_created_at"), "staff_action", ["created_at"], unique=False
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_staff_action_created_at"), table_name="staff_action")
    op.drop_table("staff_action")
    op.drop_table("hidden_quote")
    for index in ("expires_at", "staff_id", "token_hash"):
        op.drop_index(op.f(f"ix_web_session_{index}"), table_name="web_session")
    op.drop_table("web_session")
    for index in ("staff_id", "token_hash"):
        op.drop_index(op.f(f"ix_web_sign_in_{index}"), table_name="web_sign_in")
    op.drop_table("web_sign_in")
