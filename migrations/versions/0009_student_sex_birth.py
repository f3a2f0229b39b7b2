"""student sex and birth date (students.csv 性别, 出生日期)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_column('birth_date')
        batch_op.drop_column('sex')
