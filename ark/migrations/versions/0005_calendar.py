"""calendar: the editorial calendar's entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 19:50:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: a new table, empty."""
    op.create_table(
        "calendar_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("contributor_id", sa.Integer(), nullable=True),
        sa.Column("draft_due", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned", "drafted", "published", "dropped",
                name="calendarstatus", native_enum=False, length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channel.id"], name=op.f("fk_calendar_entry_channel_id_channel")
        ),
        sa.ForeignKeyConstraint(
            ["contributor_id"],
            ["contributor.id"],
            name=op.f("fk_calendar_entry_contributor_id_contributor"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_calendar_entry_department_id_department"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_entry")),
    )
    with op.batch_alter_table("calendar_entry", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_entry_date", ["date"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("calendar_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_entry_date")
    op.drop_table("calendar_entry")
