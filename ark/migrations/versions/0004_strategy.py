"""strategy: the direction of a KPI

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 19:00:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: every existing KPI is one where higher is better, as Ark assumed."""
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "direction",
                sa.Enum("higher", "lower", name="direction", native_enum=False, length=20),
                server_default="higher",
                nullable=False,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_column("direction")
