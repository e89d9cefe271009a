"""why an outbound message failed

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 10:20:00

``messages.error_reason`` keeps, in words, why an outbound message ended ``failed`` (the
provider's code alone, or nothing, told staff neither the cause nor what to fix).
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('error_reason')
