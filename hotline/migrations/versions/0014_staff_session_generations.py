"""staff session generations

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 12:00:00

``staff_users.session_generation`` is the number every console session of an account carries;
raising it ends them all at once (logout, deactivation, a new role or password, an admin's
"log out everywhere"), checked on each request.
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
