"""The `jira-sync` background job: the same sync as `ark jira sync`, on a schedule and shortly
after registry changes, never at the same time as another sync of the registry."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ark.errors import ArkError
from ark.i18n import N_, Nn_, tr
from ark.jobs.model import Job, Schedule

if TYPE_CHECKING:
    from ark.jobs.config import AutomationConfig
    from ark.jobs.model import JobContext


def sync(context: JobContext) -> str:
    from ark_jira.cli import setup, tasks_to_mirror
    from ark_jira.config import stored_section
    from ark_jira.preflight import check_before_writing
    from ark_jira.sync import Syncer

    with context.transaction(write=False) as registry:
        if stored_section(registry) is None:
            return tr(N_("no jira: section in the team file; nothing to sync"))
    config, board, tx = setup(context.engine)
    board.api.connect()
    check_before_writing(board, tx, tasks_to_mirror(tx)[1], save=True)
    syncer = Syncer(config, board, tx)
    syncer.reconcile()
    summary = syncer.run(syncer.changeset())
    if summary.failed:
        raise ArkError(
            Nn_(
                "{count} task could not be synced: {first}",
                "{count} tasks could not be synced: {first}",
            ),
            hint=N_("`ark jira sync` shows every reason"),
            args={"count": len(summary.failed), "first": summary.failed[0]},
        )
    return tr(
        N_(
            "created {created}, updated {updated}, transitioned {transitioned}, pulled back "
            "{pulled} ({requests} requests)"
        ),
        created=summary.created,
        updated=summary.updated,
        transitioned=summary.transitioned,
        pulled=summary.pulled,
        requests=summary.requests,
    )


def _every(config: AutomationConfig) -> dt.timedelta:
    return dt.timedelta(minutes=config.jira_sync_minutes)


JOB = Job(
    "jira-sync",
    N_("Creates and updates the board's issues from Ark's tasks and pulls statuses back."),
    sync,
    Schedule(every=_every, on_change=True),
    lock="jira-sync",
    webhook="jira",
)
