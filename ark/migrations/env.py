"""Alembic environment: the engine comes from Ark (`ark.db.alembic_config`), not alembic.ini."""

from __future__ import annotations

from alembic import context

from ark.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
