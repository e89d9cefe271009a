"""campaign authors and approvers as long as staff emails

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 17:35:00

``created_by`` and ``approved_by`` hold a staff account's email, which may be 254 characters;
at 120, PostgreSQL refused the campaign of a user with a longer address.
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        for column in ('created_by', 'approved_by'):
            batch_op.alter_column(column, existing_type=sa.String(length=120),
                                  type_=sa.String(length=254), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        for column in ('created_by', 'approved_by'):
            batch_op.alter_column(column, existing_type=sa.String(length=254),
                                  type_=sa.String(length=120), existing_nullable=True)
