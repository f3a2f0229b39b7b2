"""notices: the notice, its families, a row per guardian

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('class_ids', sa.JSON(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('image_media_id', sa.String(length=200), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('send_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('chased_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('summary_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recalled_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recall_done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_notice_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('school_id', 'number', name=op.f('uq_notice_school_id_number'))
    )
    op.create_index(op.f('ix_notice_school_id'), 'notice', ['school_id'], unique=False)
    op.create_index(op.f('ix_notice_sender'), 'notice', ['sender'], unique=False)
    op.create_table('notice_family',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('family_key', sa.String(length=64), nullable=False),
    sa.Column('students', sa.String(length=200), nullable=False),
    sa.Column('class_label', sa.String(length=64), nullable=False),
    sa.Column('confirmed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_family_notice_id_notice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_family')),
    sa.UniqueConstraint('notice_id', 'family_key', name=op.f('uq_notice_family_notice_id_family_key'))
    )
    op.create_index(op.f('ix_notice_family_notice_id'), 'notice_family', ['notice_id'], unique=False)
    op.create_table('notice_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('userid', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_sent_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('msgids', sa.JSON(), nullable=False),
    sa.Column('task_id', sa.String(length=128), nullable=True),
    sa.Column('confirmed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_code', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['family_id'], ['notice_family.id'], name=op.f('fk_notice_recipient_family_id_notice_family')),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_recipient_notice_id_notice')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_notice_recipient_school_id_school')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_recipient')),
    sa.UniqueConstraint('notice_id', 'userid', name=op.f('uq_notice_recipient_notice_id_userid'))
    )
    op.create_index('ix_notice_recipient_due', 'notice_recipient', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_notice_recipient_userid', 'notice_recipient', ['userid', 'last_sent_at'], unique=False)
    op.create_index(op.f('ix_notice_recipient_family_id'), 'notice_recipient', ['family_id'], unique=False)
    op.create_index(op.f('ix_notice_recipient_notice_id'), 'notice_recipient', ['notice_id'], unique=False)


def downgrade() -> None:
    op.drop_table('notice_recipient')
    op.drop_table('notice_family')
    op.drop_table('notice')
