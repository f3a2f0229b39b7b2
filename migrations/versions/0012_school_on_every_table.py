"""the school on every table: absence, leave_card, notice_family, guardian_link

Each row takes its school from the row it hangs off (report, leave, notice, student).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# table, the row it hangs off, the column naming that row
PARENTS = (
    ('absence', 'attendance_report', 'report_id'),
    ('leave_card', 'leave', 'leave_id'),
    ('notice_family', 'notice', 'notice_id'),
    ('guardian_link', 'student', 'student_id'),
)


def upgrade() -> None:
    for table, parent, column in PARENTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        op.execute(f'UPDATE {table} SET school_id = (SELECT {parent}.school_id FROM {parent} '
                   f'WHERE {parent}.id = {table}.{column})')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_school_id'), ['school_id'],
                                  unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_school_id_school'), 'school',
                                        ['school_id'], ['id'])


def downgrade() -> None:
    for table, _parent, _column in reversed(PARENTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_school_id_school'),
                                     type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_school_id'))
            batch_op.drop_column('school_id')
