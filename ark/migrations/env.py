"""Alembic environment: the engine comes from Ark (`ark.db.alembic_config`), not alembic.ini.

The migration runs as a writer (`lock_writers`), so processes that find a new database at the
same moment upgrade it one after the other: the second sees the first's revision and has
nothing left to do.
"""

from __future__ import annotations

from alembic import context

from ark.db import lock_writers
from ark.models import Base, add_partial_indexes

config = context.config
add_partial_indexes()
engine = config.attributes["engine"]

with engine.begin() as connection:
    lock_writers(connection)
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
