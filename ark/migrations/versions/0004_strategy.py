"""strategy: the direction of a KPI, audience segments, channels, measured goals

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
    """Upgrade schema: every existing KPI is one where higher is better, as Ark assumed; the
    new tables start empty (objectives keep their text goals as they were)."""
    op.create_table(
        "audience_segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("participation", sa.JSON(), nullable=False),
        sa.Column("where", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_segment")),
        sa.UniqueConstraint("slug", name=op.f("uq_audience_segment_slug")),
    )
    op.create_table(
        "channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "network", "community", "profile", "platform",
                name="channelkind", native_enum=False, length=20,
            ),
            nullable=False,
        ),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column(
            "value",
            sa.Enum(
                "direct-sales", "lead-generation", "brand-awareness", "customer-advocacy",
                name="valuedimension", native_enum=False, length=20,
            ),
            nullable=True,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["contributor.id"], name=op.f("fk_channel_owner_id_contributor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel")),
        sa.UniqueConstraint("slug", name=op.f("uq_channel_slug")),
    )
    op.create_table(
        "objective_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["kpi_id"], ["kpi.id"], name=op.f("fk_objective_goal_kpi_id_kpi")),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objective.id"], name=op.f("fk_objective_goal_objective_id_objective")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objective_goal")),
    )
    with op.batch_alter_table("objective_goal", schema=None) as batch_op:
        batch_op.create_index("ix_objective_goal_objective", ["objective_id", "position"])
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
    with op.batch_alter_table("objective_goal", schema=None) as batch_op:
        batch_op.drop_index("ix_objective_goal_objective")
    op.drop_table("objective_goal")
    op.drop_table("channel")
    op.drop_table("audience_segment")
