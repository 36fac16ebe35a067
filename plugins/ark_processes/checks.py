"""`ark check` findings about processes: missing, overdue for review, with nobody accountable,
with steps for a role nobody holds; and the employees' usage policy, which is a process."""

from __future__ import annotations

from collections.abc import Iterator

from ark.checks import Check, Finding
from ark.i18n import N_
from ark.processes import (
    current_texts,
    is_overdue,
    processes,
    recurring_without_process,
    review_due,
)
from ark.registry.writer import Registry
from ark.sanitize import UNSAFE_HINT
from ark.vocabulary import Cadence, Level, Role
from ark_processes.pages import USAGE_POLICY


def check_missing(registry: Registry) -> Iterator[Finding]:
    """Every recurring responsibility has a documented process."""
    for r in recurring_without_process(registry):
        yield Finding(
            Level.WARNING,
            "process-missing",
            r.slug,
            N_("{slug} recurs ({cadence}) but has no documented process"),
            N_(
                "record its process file (`ark process record processes`), or write one: "
                "ark process new SLUG --responsibility {slug}, fill it in, then ark process record"
            ),
            {"slug": r.slug, "cadence": Cadence(r.cadence)},
        )


def check_overdue(registry: Registry) -> Iterator[Finding]:
    """Processes are reviewed on schedule."""
    for p in processes(registry):
        if is_overdue(p, registry.today):
            yield Finding(
                Level.WARNING,
                "process-overdue",
                p.slug,
                N_("process {slug} was due for review on {due}"),
                N_(
                    "read it with its people; record changes, or confirm it: "
                    "ark process review {slug}"
                ),
                {"slug": p.slug, "due": review_due(p)},
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
                N_("process {slug} belongs to {responsibility}, which has nobody accountable"),
                N_("ark assign EMAIL {responsibility} --role accountable"),
                {"slug": p.slug, "responsibility": p.responsibility},
            )


def check_step_roles(registry: Registry) -> Iterator[Finding]:
    """Every role a process's steps name is held by somebody on its responsibility: a step
    for "consulted" with nobody consulted is a step nobody does."""
    held = {(a.responsibility, a.role) for a in registry.read.assignments().items}
    for p in processes(registry):
        named = dict.fromkeys(
            s["role"] for s in p.data.get("steps", ()) if isinstance(s, dict) and s.get("role")
        )
        for role in named:
            if (p.responsibility, role) not in held:
                yield Finding(
                    Level.WARNING,
                    "step-role-unheld",
                    p.slug,
                    N_(
                        "process {slug} has steps for the {role} role, which nobody holds on "
                        "{responsibility}"
                    ),
                    N_(
                        "ark assign EMAIL {responsibility} --role {value}, or give the steps to "
                        "a role that is held and record the process"
                    ),
                    {
                        "slug": p.slug,
                        "role": Role(role),
                        "value": role,
                        "responsibility": p.responsibility,
                    },
                )


def check_usage_policy(registry: Registry) -> Iterator[Finding]:
    """The employees' social media usage policy is written down: the process of the
    `usage-policy` responsibility, which the playbook publishes for all staff."""
    if not any(p.responsibility == USAGE_POLICY for p in processes(registry)):
        yield Finding(
            Level.WARNING,
            "no-usage-policy",
            USAGE_POLICY,
            N_(
                "there is no usage policy: staff have no written rules for social media "
                "(confidentiality, disclaimers)"
            ),
            N_(
                "add a `{slug}` responsibility to the team file, then ark process new {slug} "
                "--responsibility {slug}, fill it in, and ark process record"
            ),
            {"slug": USAGE_POLICY},
        )


def check_markup(registry: Registry) -> Iterator[Finding]:
    """Nothing a writer typed leaves the playbook silently: what the sanitiser drops from a
    recorded process is named, at the line of the file `ark process export` writes."""
    from ark_processes.document import DROPPED_FIX, dropped_markup, parse

    for slug, text in current_texts(registry).items():
        if not UNSAFE_HINT.search(text):
            continue
        item, _ = parse(text.encode("utf-8"), f"processes/{slug}.md")
        for found in dropped_markup(item) if item is not None else ():
            where = found.problem
            yield Finding(
                Level.WARNING,
                "process-markup",
                slug,
                N_("{where} {what} is dropped from the playbook"),
                DROPPED_FIX,
                {
                    "where": f"{where.file}:{where.line}:"
                    + (f" {where.field}:" if where.field else ""),
                    "what": found.what,
                },
            )


CHECKS = (
    Check("process-missing", check_missing),
    Check("process-overdue", check_overdue),
    Check("process-unowned", check_accountable),
    Check("step-role-unheld", check_step_roles),
    Check("no-usage-policy", check_usage_policy),
    Check("process-markup", check_markup),
)
