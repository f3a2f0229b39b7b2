"""illness absences and cluster alerts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('health_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('symptom', sa.String(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('students', sa.JSON(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_health_alert_class_id_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_health_alert_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_alert'))
    )
    with op.batch_alter_table('health_alert', schema=None) as batch_op:
        batch_op.create_index('ix_health_alert_class_symptom', ['class_id', 'symptom', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_alert_school_id'), ['school_id'], unique=False)

    op.create_table('illness_absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('symptoms', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('leave_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('diagnosis', sa.String(length=200), nullable=True),
    sa.Column('diagnosed_by', sa.String(length=64), nullable=True),
    sa.Column('diagnosed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('asked_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_illness_absence_class_id_school_class')),
    sa.ForeignKeyConstraint(['leave_id'], ['leave.id'], name=op.f('fk_illness_absence_leave_id_leave')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_illness_absence_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_illness_absence_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_illness_absence')),
    sa.UniqueConstraint('student_id', 'day', name=op.f('uq_illness_absence_student_id_day'))
    )
    with op.batch_alter_table('illness_absence', schema=None) as batch_op:
        batch_op.create_index('ix_illness_absence_school_day', ['school_id', 'day'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('illness_absence', schema=None) as batch_op:
        batch_op.drop_index('ix_illness_absence_school_day')

    op.drop_table('illness_absence')
    with op.batch_alter_table('health_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_alert_school_id'))
        batch_op.drop_index('ix_health_alert_class_symptom')

    op.drop_table('health_alert')
