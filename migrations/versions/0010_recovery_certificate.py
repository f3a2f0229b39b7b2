"""a 病假's health answers, the absence's reason, the 复课证明

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=4), nullable=True))
    with op.batch_alter_table('leave', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health', sa.JSON(), nullable=True))
    with op.batch_alter_table('illness_absence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('onset', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('certificate_media', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('certificate_at', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('certificate_confirmed_by', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('certificate_confirmed_at',
                                      models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('illness_absence', schema=None) as batch_op:
        for column in ('certificate_confirmed_at', 'certificate_confirmed_by', 'certificate_at',
                       'certificate_media', 'onset'):
            batch_op.drop_column(column)
    with op.batch_alter_table('leave', schema=None) as batch_op:
        batch_op.drop_column('health')
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_column('reason')
