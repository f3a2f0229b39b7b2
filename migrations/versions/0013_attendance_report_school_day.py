"""attendance reports by school and day (the truancy run's lookup in a district)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attendance_report', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_report_school_day', ['school_id', 'day'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attendance_report', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_report_school_day')
