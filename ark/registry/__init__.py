"""The registry: the team's data, one writer and one read API over it.

- `ark.registry.writer`: `Registry`, the only code that writes, bound to one transaction, and
  `transaction()` that opens one. It is put together from one part per kind of thing it
  holds: `team` (the whole team as a `TeamSpec`, its changeset and apply), `people` (moving and
  offboarding), `assignments`, `tasks`, `links`, `kpis`, `settings` (with the team file's
  mark), on `base` (session, actor, audit trail, events).
- `ark.registry.queries`: the read API, `Queries`, returning the plain frozen dataclasses of
  `ark.registry.results`; it needs neither SQLAlchemy nor the ORM, so a list command starts
  fast and a plugin or a page reads the registry without SQL of its own.
- `ark.registry.events`: what the event hooks are given.
- `ark.registry.driver`: a read-only connection through the database driver alone, which
  the read API and `ark who` run on.

This module imports nothing, so importing a light part (the read API) stays light.
"""
