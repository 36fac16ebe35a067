"""The schema revision this version of Ark reads and writes, known without SQLAlchemy.

`ark who`'s fast path (`ark.quick`) answers only from a registry at exactly this revision;
any other goes the ordinary way, which upgrades an old one and refuses a newer one.
"""

# The newest Alembic revision; tests/test_migrations.py fails when it falls behind.
SCHEMA_HEAD = "0006"
