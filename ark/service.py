"""Former home of the registry service, kept so existing imports work: see `ark.registry`."""

from ark.registry.writer import (
    AssignmentChange,
    Registry,
    TaskChange,
    current_actor,
    now,
    transaction,
)

__all__ = ["AssignmentChange", "Registry", "TaskChange", "current_actor", "now", "transaction"]
