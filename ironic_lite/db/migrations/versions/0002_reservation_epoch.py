"""reservation epoch: fence workers that lost their node lock

Revision ID: 0002
Revises: 0001
Create Date: 2027-01-08 10:00:00.000000

Every lock acquisition bumps ``nodes.reservation_epoch`` in the same UPDATE that sets
``reservation``; a worker checks that the node still carries its host and epoch before each
BMC or agent call, so a conductor that was frozen past its heart-beat timeout cannot repeat an
action the node's new owner already carried out.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(
            sa.Column("reservation_epoch", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("reservation_epoch")
