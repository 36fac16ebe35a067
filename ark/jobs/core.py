"""The core's own jobs: planning tasks ahead, reminders and the weekly digest.

Each message names its event (`overdue/<task>`, `digest/<person>/<week>`, ...), so running a
job again, after a crash or on another machine, never tells anyone the same thing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ark.jobs.config import AutomationConfig
from ark.jobs.model import Job, JobContext, Schedule
from ark.notify import Message, tell_leads
from ark.periods import period_of
from ark.vocabulary import Cadence, Level

if TYPE_CHECKING:
    from ark.registry.writer import Registry

DIGEST_OFF = "digest-off"
HORIZON_CADENCE = {
    "next-month": Cadence.MONTHLY,
    "next-quarter": Cadence.QUARTERLY,
    "next-half": Cadence.SIX_MONTHLY,
}
DAILY_HOUR = 1  # planning runs a little after midnight, local time


def horizon(plan_ahead: str, today: dt.date) -> dt.date:
    """The last day to plan for: the end of the period after today's (`next-quarter`)."""
    cadence = HORIZON_CADENCE[plan_ahead]
    following = period_of(cadence, period_of(cadence, today).end + dt.timedelta(days=1))
    return following.end


def plan(context: JobContext) -> str:
    today = context.today()
    until = horizon(context.automation.plan_ahead, today)
    with context.transaction() as registry:
        created = registry.plan_tasks(until, today)
    return f"{len(created)} task(s) planned up to {until}"


def digest_off(registry: Registry) -> set[str]:
    """Who turned their weekly digest off."""
    return set(registry.state(DIGEST_OFF) or ())


def set_digest(registry: Registry, email: str, on: bool) -> None:
    """Turn `email`'s weekly digest on or off (an audited change)."""
    person = registry.contributor(email).email
    before = digest_off(registry)
    after = before - {person} if on else before | {person}
    if after != before:
        registry.set_state(DIGEST_OFF, sorted(after))
        registry.audit("change", "digest", person, {"on": person not in before}, {"on": on})


def _accountable(registry: Registry) -> dict[str, str]:
    """Responsibility slug -> the e-mail of its accountable person."""
    return {r.slug: r.accountable for r in registry.read.responsibilities().items if r.accountable}


def _line(task: Any) -> str:
    return f"- {task.key}: {task.title} (due {task.due})"


def reminders(context: JobContext) -> str:
    """Overdue tasks and processes due for review to their accountable person; new `ark
    check` errors to the leads."""
    from ark.checks import check_team
    from ark.processes import due_for_review, review_due

    today = context.today()
    messages: list[Message] = []
    with context.transaction(write=False) as registry:
        accountable = _accountable(registry)
        overdue = registry.read.tasks(open_only=True, due_by=today - dt.timedelta(days=1))
        for task in overdue.items:
            owner = accountable.get(task.responsibility)
            if not owner:
                continue
            who = task.assignee_name or "nobody"
            messages.append(
                Message(
                    event=f"overdue/{task.key}",
                    to=owner,
                    subject=f"Ark: overdue task {task.key}",
                    body=f"This task of a responsibility you are accountable for is overdue:\n\n"
                    f"{_line(task)}, {task.status}, assigned to {who}.\n",
                )
            )
        for process in due_for_review(registry, today):
            owner = accountable.get(process.responsibility)
            if owner:
                due = review_due(process)
                messages.append(
                    Message(
                        event=f"review/{process.slug}/{due}",
                        to=owner,
                        subject=f"Ark: process {process.slug} is due for review",
                        body=f"The process {process.title} ({process.slug}) was due for review "
                        f"on {due}. Review it, then `ark process review {process.slug}`.\n",
                    )
                )
        errors = [f for f in check_team(registry, context.hooks) if f.level is Level.ERROR]
    for finding in errors:
        fingerprint = hashlib.sha256(f"{finding.code}\n{finding.message}".encode()).hexdigest()
        messages += tell_leads(
            context.notify,
            event=f"check/{fingerprint[:16]}",
            subject=f"Ark: new check error {finding.code} ({finding.subject})",
            body=f"`ark check` found a new error:\n\n{finding.message}\n"
            + (f"\nfix: {finding.fix}\n" if finding.fix else ""),
        )
    return _send(context, messages)


def digest(context: JobContext) -> str:
    """Each contributor's tasks due this week and overdue, once a week."""
    today = context.today()
    week = period_of(Cadence.WEEKLY, today)
    mine: dict[str, list[Any]] = defaultdict(list)
    with context.transaction(write=False) as registry:
        off = digest_off(registry)
        names = {}
        for task in registry.read.tasks(open_only=True, due_by=week.end).items:
            if task.assignee is not None and task.assignee not in off:
                mine[task.assignee].append(task)
                names[task.assignee] = task.assignee_name
    messages = []
    for email, tasks in sorted(mine.items()):
        overdue = [_line(t) for t in tasks if t.due < today]
        due = [_line(t) for t in tasks if t.due >= today]
        parts = [f"Hello {names[email]},", ""]
        if overdue:
            parts += ["Overdue:", *overdue, ""]
        if due:
            parts += [f"Due by {week.end}:", *due, ""]
        parts += ["To stop these weekly e-mails: `ark digest " + email + " --off`."]
        messages.append(
            Message(
                event=f"digest/{week.name}",
                to=email,
                subject=f"Ark: your tasks for {week.name}",
                body="\n".join(parts) + "\n",
            )
        )
    return _send(context, messages)


def _send(context: JobContext, messages: list[Message]) -> str:
    with context.notifier() as notifier:
        for message in messages:
            notifier.send(message)
    result = f"{len(notifier.sent)} message(s) sent, {notifier.before} sent before"
    if notifier.undelivered:
        result += f", {notifier.undelivered} not sent: no channel (set notify.smtp_host)"
    return result


def prune_sent(context: JobContext) -> str:
    """Forget the messages sent longer ago than `notify.keep_sent_days`."""
    from ark.notify import forget_sent

    days = context.notify.keep_sent_days
    pruned = forget_sent(context.engine, context.clock() - dt.timedelta(days=days))
    return f"{pruned} record(s) of sent messages older than {days} days forgotten"


def _digest_day(config: AutomationConfig) -> str:
    return config.digest_day


def _digest_hour(config: AutomationConfig) -> int:
    return config.digest_hour


CORE_JOBS = (
    Job(
        "plan",
        "Plans the tasks of every recurring responsibility ahead, as periods roll over.",
        plan,
        Schedule(hour=lambda _config: DAILY_HOUR, on_change=True),
    ),
    Job(
        "reminders",
        "Tells the accountable person of overdue tasks and processes due for review, and the "
        "leads of new `ark check` errors.",
        reminders,
        Schedule(every=lambda _config: dt.timedelta(hours=1)),
    ),
    Job(
        "digest",
        "Sends each contributor a weekly digest of their tasks due and overdue.",
        digest,
        Schedule(weekday=_digest_day, hour=_digest_hour),
    ),
    Job(
        "prune-sent",
        "Forgets the records of messages sent longer ago than notify.keep_sent_days "
        "(default 400), which keep an event from being told twice.",
        prune_sent,
        Schedule(hour=lambda _config: DAILY_HOUR),
    ),
)
