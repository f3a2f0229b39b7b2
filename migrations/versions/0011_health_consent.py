"""health consent and the staff-read log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('health_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('guardian', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('asked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Boolean(), nullable=True),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_health_consent_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_health_consent_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_consent')),
    sa.UniqueConstraint('student_id', 'guardian', name=op.f('uq_health_consent_student_id_guardian'))
    )
    with op.batch_alter_table('health_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_consent_guardian'), ['guardian'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_consent_school_id'), ['school_id'], unique=False)

    op.create_table('health_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('reader', sa.String(length=64), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_health_read_school_id_school')),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_health_read_student_id_student')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_read'))
    )
    with op.batch_alter_table('health_read', schema=None) as batch_op:
        batch_op.create_index('ix_health_read_school_at', ['school_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_read_student_id'), ['student_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('health_read', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_read_student_id'))
        batch_op.drop_index('ix_health_read_school_at')

    op.drop_table('health_read')
    with op.batch_alter_table('health_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_consent_school_id'))
        batch_op.drop_index(batch_op.f('ix_health_consent_guardian'))

    op.drop_table('health_consent')
