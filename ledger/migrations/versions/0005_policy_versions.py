"""policy versions: every policy set the service served, by its hash

Revision ID: 0005p
Revises: 0004w
Create Date: 2026-12-01 18:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005p"
down_revision = "0004w"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("files", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("rules", sa.Integer(), nullable=False),
        sa.Column("parameter_files", sa.Integer(), nullable=False),
        sa.Column("first_served_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("activated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_index("ix_policy_versions_activated_at", "policy_versions", ["activated_at"])


def downgrade() -> None:
    op.drop_index("ix_policy_versions_activated_at", table_name="policy_versions")
    op.drop_table("policy_versions")
