"""Add staff, their one-time invitations and the digests owed to them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:12:50.854906
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade the schema."""
    op.create_table(
        "staff",
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "frequency IN ('', 'weekly', 'daily')", name=op.f("ck_staff_frequency_known")
        ),
        sa.CheckConstraint("role IN ('staff', 'admin')", name=op.f("ck_staff_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff")),
    )
    op.create_index(op.f("ix_staff_telegram_id"), "staff", ["telegram_id"], unique=True)
    op.create_table(
        "staff_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("role IN ('staff', 'admin')", name=op.f("ck_staff_invite_role_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invite")),
    )
    op.create_index(
        op.f("ix_staff_invite_token_hash"), "staff_invite", ["token_hash"], unique=True
    )
    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parts_sent", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('weekly', 'daily', 'manual')", name=op.f("ck_digest_delivery_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name=op.f("fk_digest_delivery_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_delivery")),
        sa.UniqueConstraint("staff_id", "kind", "period_start", name="uq_digest_delivery_period"),
    )
    op.create_index(
        op.f("ix_digest_delivery_next_attempt_at"),
        "digest_delivery",
        ["next_attempt_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_digest_delivery_staff_id"), "digest_delivery", ["staff_id"], unique=False
    )


def downgrade() -> None:
    """Downgrade the schema."""
    op.drop_index(op.f("ix_digest_delivery_staff_id"), table_name="digest_delivery")
    op.drop_index(op.f("ix_digest_delivery_next_attempt_at"), table_name="digest_delivery")
    op.drop_table("digest_delivery")
    op.drop_index(op.f("ix_staff_invite_token_hash"), table_name="staff_invite")
    op.drop_table("staff_invite")
    op.drop_index(op.f("ix_staff_telegram_id"), table_name="staff")
    op.drop_table("staff")
