"""web sessions, case numbers

Revision ID: 0004w
Revises: 0003
Create Date: 2026-12-01 18:40:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

from ledger.case_numbers import number_prefix

revision = "0004w"
down_revision = "0003"
branch_labels = None
depends_on = None


def _backfill() -> None:
    """Number the cases recorded before this migration, in the order they were recorded."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, region_code, created_at FROM cases ORDER BY created_at, id")
    ).all()
    last: dict[str, int] = {}
    for case_id, region_code, created_at in rows:
        stamp = (
            created_at if isinstance(created_at, datetime) else datetime.fromisoformat(created_at)
        )
        if stamp.tzinfo is None:  # stored as UTC
            stamp = stamp.replace(tzinfo=UTC)
        prefix = number_prefix(region_code, stamp)
        last[prefix] = last.get(prefix, 0) + 1
        connection.execute(
            sa.text("UPDATE cases SET number = :n WHERE id = :id"),
            {"n": f"{prefix}-{last[prefix]:06d}", "id": case_id},
        )
    for prefix, n in last.items():
        connection.execute(
            sa.text("INSERT INTO case_counters (prefix, last) VALUES (:p, :n)"),
            {"p": prefix, "n": n},
        )


def upgrade() -> None:
    op.create_table(
        "case_counters",
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("token_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["token_id"], ["tokens.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_web_sessions_token_id"), "web_sessions", ["token_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True)
        )
        batch_op.create_unique_constraint("uq_cases_number", ["number"])
        batch_op.create_index(batch_op.f("ix_cases_village"), ["village"], unique=False)
    op.create_index("ix_cases_created_at_id", "cases", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_case_classifications_name_value",
        "case_classifications",
        ["name", "value", "case_id"],
        unique=False,
    )
    _backfill()


def downgrade() -> None:
    op.drop_index("ix_case_classifications_name_value", table_name="case_classifications")
    op.drop_index("ix_cases_created_at_id", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_village"))
        batch_op.drop_constraint("uq_cases_number", type_="unique")
        batch_op.drop_column("number")
    op.drop_index(op.f("ix_web_sessions_token_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("case_counters")
