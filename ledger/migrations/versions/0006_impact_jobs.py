"""impact jobs: replays of the ledger under a draft (POST /v1/policies/impact)

Revision ID: 0006i
Revises: 0005p
Create Date: 2026-12-01 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006i"
down_revision = "0005p"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "impact_jobs",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("base_version", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("draft_version", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("impact_jobs")
