"""`ark check` findings about processes: missing, overdue for review, or with nobody accountable."""

from __future__ import annotations

from collections.abc import Iterator

from ark.checks import Check, Finding
from ark.processes import is_overdue, processes, recurring_without_process, review_due
from ark.service import Registry
from ark.vocabulary import Level, Role


def check_missing(registry: Registry) -> Iterator[Finding]:
    """Every recurring responsibility has a documented process."""
    for r in recurring_without_process(registry):
        yield Finding(
            Level.WARNING,
            "process-missing",
            r.slug,
            f"{r.slug} recurs ({r.cadence}) but has no documented process",
            f"ark process new SLUG --responsibility {r.slug}, fill it in, then ark process record",
        )


def check_overdue(registry: Registry) -> Iterator[Finding]:
    """Processes are reviewed on schedule."""
    for p in processes(registry):
        if is_overdue(p, registry.today):
            yield Finding(
                Level.WARNING,
                "process-overdue",
                p.slug,
                f"process {p.slug} was due for review on {review_due(p)}",
                f"read it with its people; record changes, or confirm it: ark process review {p.slug}",
            )


def check_accountable(registry: Registry) -> Iterator[Finding]:
    """Each process has someone accountable, through its responsibility."""
    held = {a.responsibility for a in registry.read.assignments(role=Role.ACCOUNTABLE).items}
    for p in processes(registry):
        if p.responsibility not in held:
            yield Finding(
                Level.WARNING,
                "process-unowned",
                p.slug,
                f"process {p.slug} belongs to {p.responsibility}, which has nobody accountable",
                f"ark assign EMAIL {p.responsibility} --role accountable",
            )


CHECKS = (
    Check("process-missing", check_missing),
    Check("process-overdue", check_overdue),
    Check("process-unowned", check_accountable),
)
