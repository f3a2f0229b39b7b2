"""dropout cases, case actions, suspensions

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dropout_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('episode', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('days_absent', sa.Double(), nullable=False),
    sa.Column('returned_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('whereabouts', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_dropout_case_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_dropout_case_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dropout_case')),
    sa.UniqueConstraint('student_id', 'episode', name=op.f('uq_dropout_case_student_id_episode'))
    )
    with op.batch_alter_table('dropout_case', schema=None) as batch_op:
        batch_op.create_index('ix_dropout_case_school_status', ['school_id', 'status'], unique=False)

    op.create_table('suspension',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_suspension_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_suspension_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suspension'))
    )
    with op.batch_alter_table('suspension', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suspension_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_suspension_student_dates', ['student_id', 'start_date'], unique=False)

    op.create_table('case_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('taken_by', sa.String(length=64), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dropout_case.id'], name=op.f('fk_case_action_case_id_dropout_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_case_action_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_action'))
    )
    with op.batch_alter_table('case_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_action_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_action_case_id'))

    op.drop_table('case_action')
    with op.batch_alter_table('suspension', schema=None) as batch_op:
        batch_op.drop_index('ix_suspension_student_dates')
        batch_op.drop_index(batch_op.f('ix_suspension_school_id'))

    op.drop_table('suspension')
    with op.batch_alter_table('dropout_case', schema=None) as batch_op:
        batch_op.drop_index('ix_dropout_case_school_status')

    op.drop_table('dropout_case')
