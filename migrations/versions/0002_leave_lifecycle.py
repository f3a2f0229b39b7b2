"""leave lifecycle: leaves, approver cards, gate checks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('leave',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('start_slot', sa.Integer(), nullable=False),
    sa.Column('end_slot', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.Time(), nullable=True),
    sa.Column('window_end', sa.Time(), nullable=True),
    sa.Column('days', sa.Double(), nullable=False),
    sa.Column('routing_days', sa.Double(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence_media_id', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('tier_index', sa.Integer(), nullable=False),
    sa.Column('tier_since', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('parent_phoned', sa.Boolean(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('pass_digest', sa.String(length=64), nullable=True),
    sa.Column('pass_holder', sa.String(length=64), nullable=True),
    sa.Column('valid_from', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('exited_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('exited_via', sa.String(length=64), nullable=True),
    sa.Column('returned_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('returned_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_leave_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_leave_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave')),
    sa.UniqueConstraint('pass_digest', name=op.f('uq_leave_pass_digest'))
    )
    with op.batch_alter_table('leave', schema=None) as batch_op:
        batch_op.create_index('ix_leave_status_tier', ['school_id', 'status', 'tier_index'], unique=False)
        batch_op.create_index('ix_leave_student_slots', ['student_id', 'start_slot', 'end_slot'], unique=False)

    op.create_table('gate_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('guard', sa.String(length=64), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leave_id', sa.Integer(), nullable=True),
    sa.Column('wrong', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['leave_id'], ['leave.id'], name=op.f('fk_gate_check_leave_id_leave')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_gate_check_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_check'))
    )
    with op.batch_alter_table('gate_check', schema=None) as batch_op:
        batch_op.create_index('ix_gate_check_guard_at', ['school_id', 'guard', 'at'], unique=False)

    op.create_table('leave_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('leave_id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('task_id', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['leave_id'], ['leave.id'], name=op.f('fk_leave_card_leave_id_leave')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leave_card')),
    sa.UniqueConstraint('task_id', name=op.f('uq_leave_card_task_id'))
    )
    with op.batch_alter_table('leave_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leave_card_leave_id'), ['leave_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('task_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('response_code', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_task_id'), ['task_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_task_id'))
        batch_op.drop_column('response_code')
        batch_op.drop_column('task_id')

    with op.batch_alter_table('leave_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leave_card_leave_id'))

    op.drop_table('leave_card')
    with op.batch_alter_table('gate_check', schema=None) as batch_op:
        batch_op.drop_index('ix_gate_check_guard_at')

    op.drop_table('gate_check')
    with op.batch_alter_table('leave', schema=None) as batch_op:
        batch_op.drop_index('ix_leave_student_slots')
        batch_op.drop_index('ix_leave_status_tier')

    op.drop_table('leave')
