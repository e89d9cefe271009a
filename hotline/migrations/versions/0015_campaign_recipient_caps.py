"""campaign recipient caps

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 02:20:00

``campaigns.recipient_cap`` is the audience a second person approved: enrolment never goes
past it, so a campaign, which bypasses the spend gate for triggered texts, still cannot spend
more than was approved (contacts imported after approval, or a drip that keeps enrolling, wait
for a new approval). NULL for campaigns approved before caps existed.
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_cap', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('recipient_cap')
