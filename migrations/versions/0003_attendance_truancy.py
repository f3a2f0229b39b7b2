"""attendance, truancy, escalation, job runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=40), nullable=False),
    sa.Column('run_key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_job_run_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run')),
    sa.UniqueConstraint('school_id', 'job', 'run_key', name=op.f('uq_job_run_school_id_job_run_key'))
    )
    op.create_table('attendance_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reported_by', sa.String(length=64), nullable=False),
    sa.Column('reported_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], name=op.f('fk_attendance_report_class_id_school_class')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_attendance_report_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_report')),
    sa.UniqueConstraint('class_id', 'day', name=op.f('uq_attendance_report_class_id_day'))
    )
    with op.batch_alter_table('attendance_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_report_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_report_school_id'), ['school_id'], unique=False)

    op.create_table('absence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('start_slot', sa.Integer(), nullable=False),
    sa.Column('end_slot', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['attendance_report.id'], name=op.f('fk_absence_report_id_attendance_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_absence_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_absence')),
    sa.UniqueConstraint('report_id', 'student_id', name=op.f('uq_absence_report_id_student_id'))
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_index('ix_absence_student_slots', ['student_id', 'start_slot'], unique=False)

    op.create_table('escalation_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=24), nullable=False),
    sa.Column('episode', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('report', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_escalation_step_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_escalation_step_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_step')),
    sa.UniqueConstraint('student_id', 'step', 'episode', name=op.f('uq_escalation_step_student_id_step_episode'))
    )
    with op.batch_alter_table('escalation_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_step_school_id'), ['school_id'], unique=False)

    op.create_table('home_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('episode', sa.String(length=40), nullable=False),
    sa.Column('opened_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_home_visit_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_home_visit_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_visit')),
    sa.UniqueConstraint('student_id', 'episode', name=op.f('uq_home_visit_student_id_episode'))
    )
    with op.batch_alter_table('home_visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_home_visit_school_id'), ['school_id'], unique=False)

    op.create_table('truancy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('days', sa.Double(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('voided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_by_leave', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_truancy_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_truancy_student_id_student')),
    sa.ForeignKeyConstraint(['voided_by_leave'], ['leave.id'], name=op.f('fk_truancy_voided_by_leave_leave')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_truancy')),
    sa.UniqueConstraint('student_id', 'day', name=op.f('uq_truancy_student_id_day'))
    )
    with op.batch_alter_table('truancy', schema=None) as batch_op:
        batch_op.create_index('ix_truancy_school_day', ['school_id', 'day'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_school_id_dedupe_key'), ['school_id', 'dedupe_key'])



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_school_id_dedupe_key'), type_='unique')
        batch_op.drop_column('dedupe_key')

    with op.batch_alter_table('truancy', schema=None) as batch_op:
        batch_op.drop_index('ix_truancy_school_day')

    op.drop_table('truancy')
    with op.batch_alter_table('home_visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_home_visit_school_id'))

    op.drop_table('home_visit')
    with op.batch_alter_table('escalation_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_step_school_id'))

    op.drop_table('escalation_step')
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index('ix_absence_student_slots')

    op.drop_table('absence')
    with op.batch_alter_table('attendance_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_report_school_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_report_day'))

    op.drop_table('attendance_report')
    op.drop_table('job_run')
