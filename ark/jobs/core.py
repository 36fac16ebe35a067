"""The core's own jobs: planning tasks ahead, reminders and the weekly digest.

Each message names its event (`overdue/<task>`, `digest/<person>/<week>`, ...), so running a
job again, after a crash or on another machine, never tells anyone the same thing twice. The
events are the same in every language: the words of a message are the strategy's (the runner
speaks it while a job runs), so changing the language tells nobody anything again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ark.errors import FIX
from ark.i18n import N_, Nn_, counted, period_title, say, speaking, tr
from ark.jobs.config import AutomationConfig
from ark.jobs.model import Job, JobContext, Schedule
from ark.notify import Message, tell_leads
from ark.periods import period_of
from ark.vocabulary import Cadence, Level, TaskStatus

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
    planned = Nn_("{count} task planned up to {until}", "{count} tasks planned up to {until}")
    return tr(planned, count=len(created), until=_day(until))


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


def _day(when: dt.date) -> str:
    """A day in a message, as a daily task's title says it: English keeps `2026-12-13` (as
    task keys and the team file write it), other languages write it in words (`13 dic 2026`)."""
    return period_title(speaking(), Cadence.DAILY, when.isoformat(), when)


def _line(task: Any) -> str:
    return tr(
        N_("- {key}: {title} (due {due})"), key=task.key, title=task.title, due=_day(task.due)
    )


def reminders(context: JobContext) -> str:
    """Overdue tasks and processes due for review to their accountable person; new `ark
    check` errors to the leads."""
    from ark.checks import registered_findings
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
            body = [
                tr(N_("This task of a responsibility you are accountable for is overdue:")),
                "",
                tr(
                    N_("{task}, {status}, assigned to {who}."),
                    task=_line(task),
                    status=TaskStatus(task.status),
                    who=task.assignee_name or tr(N_("nobody")),
                ),
            ]
            messages.append(
                Message(
                    event=f"overdue/{task.key}",
                    to=owner,
                    subject=tr(N_("Ark: overdue task {key}"), key=task.key),
                    body=_text(body),
                )
            )
        for process in due_for_review(registry, today):
            owner = accountable.get(process.responsibility)
            if owner:
                due = review_due(process)
                said = tr(
                    N_(
                        "The process {title} ({slug}) was due for review on {due}. Review it, "
                        "then `ark process review {slug}`."
                    ),
                    title=process.title,
                    slug=process.slug,
                    due=_day(due),
                )
                messages.append(
                    Message(
                        event=f"review/{process.slug}/{due}",
                        to=owner,
                        subject=tr(N_("Ark: process {slug} is due for review"), slug=process.slug),
                        body=_text([said]),
                    )
                )
        errors = [f for f in registered_findings(registry, context.hooks) if f.level is Level.ERROR]
    lang = speaking()
    for raw in errors:
        # The event is the finding's English words: the same error in any language.
        english, finding = raw.localized("en"), raw.localized(lang)
        fingerprint = hashlib.sha256(f"{english.code}\n{english.message}".encode()).hexdigest()
        body = [tr(N_("`ark check` found a new error:")), "", str(finding.message)]
        if finding.fix:
            body += ["", f"{tr(FIX)} {finding.fix}"]
        messages += tell_leads(
            context.notify,
            event=f"check/{fingerprint[:16]}",
            subject=tr(
                N_("Ark: new check error {code} ({subject})"),
                code=finding.code,
                subject=finding.subject,
            ),
            body=_text(body),
        )
    return _send(context, messages)


def digest(context: JobContext) -> str:
    """Each contributor's tasks due this week and overdue, once a week."""
    today = context.today()
    week = period_of(Cadence.WEEKLY, today)
    title = period_title(speaking(), Cadence.WEEKLY, week.name, week.start)
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
        parts = [tr(N_("Hello {name},"), name=names[email]), ""]
        if overdue:
            parts += [tr(N_("Overdue:")), *overdue, ""]
        if due:
            parts += [tr(N_("Due by {day}:"), day=_day(week.end)), *due, ""]
        parts.append(
            tr(N_("To stop these weekly e-mails: `ark digest {email} --off`."), email=email)
        )
        messages.append(
            Message(
                event=f"digest/{week.name}",
                to=email,
                subject=tr(N_("Ark: your tasks for {week}"), week=title),
                body=_text(parts),
            )
        )
    return _send(context, messages)


def _send(context: JobContext, messages: list[Message]) -> str:
    with context.notifier() as notifier:
        for message in messages:
            notifier.send(message)
    said = [
        counted(Nn_("{count} message sent", "{count} messages sent"), len(notifier.sent)),
        counted(Nn_("{count} sent before", "{count} sent before"), notifier.before),
    ]
    if notifier.undelivered:
        said.append(
            counted(
                Nn_(
                    "{count} not sent: no channel (set notify.smtp_host)",
                    "{count} not sent: no channel (set notify.smtp_host)",
                ),
                notifier.undelivered,
            )
        )
    return ", ".join(say(part) for part in said)


def _text(lines: list[str]) -> str:
    """A message's body from its lines."""
    return "\n".join(lines) + "\n"


def prune_sent(context: JobContext) -> str:
    """Forget the messages sent longer ago than `notify.keep_sent_days`."""
    from ark.notify import forget_sent

    days = context.notify.keep_sent_days
    pruned = forget_sent(context.engine, context.clock() - dt.timedelta(days=days))
    forgotten = Nn_(
        "{count} record of sent messages older than {days} forgotten",
        "{count} records of sent messages older than {days} forgotten",
    )
    return tr(forgotten, count=pruned, days=counted(Nn_("{count} day", "{count} days"), days))


def _digest_day(config: AutomationConfig) -> str:
    return config.digest_day


def _digest_hour(config: AutomationConfig) -> int:
    return config.digest_hour


CORE_JOBS = (
    Job(
        "plan",
        N_("Plans the tasks of every recurring responsibility ahead, as periods roll over."),
        plan,
        Schedule(hour=lambda _config: DAILY_HOUR, on_change=True),
    ),
    Job(
        "reminders",
        N_(
            "Tells the accountable person of overdue tasks and processes due for review, and "
            "the leads of new `ark check` errors."
        ),
        reminders,
        Schedule(every=lambda _config: dt.timedelta(hours=1)),
    ),
    Job(
        "digest",
        N_("Sends each contributor a weekly digest of their tasks due and overdue."),
        digest,
        Schedule(weekday=_digest_day, hour=_digest_hour),
    ),
    Job(
        "prune-sent",
        N_(
            "Forgets the records of messages sent longer ago than notify.keep_sent_days "
            "(default 400), which keep an event from being told twice."
        ),
        prune_sent,
        Schedule(hour=lambda _config: DAILY_HOUR),
    ),
)
