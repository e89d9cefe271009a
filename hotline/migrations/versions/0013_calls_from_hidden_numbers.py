"""calls from hidden numbers

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 09:00:00

A caller who withholds their number (or whose phone sends none) is served the menu, so a call
session may have no number: ``call_sessions.phone`` becomes nullable and ``hidden_caller``
keeps how it was hidden (anonymous, restricted, unavailable, app, unparseable).
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('call_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_caller', sa.String(length=12), nullable=True))
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=True)


def downgrade() -> None:
    # Hidden callers' sessions have no number to keep: they cannot exist in the old schema.
    op.execute("DELETE FROM call_sessions WHERE phone IS NULL")
    with op.batch_alter_table('call_sessions', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column('hidden_caller')
