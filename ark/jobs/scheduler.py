"""Running the jobs by themselves, on APScheduler's background scheduler.

Every process (`ark worker`, and `ark serve` later) schedules every job; the runner's named
locks make sure one run happens at a time and that a run done by one process is skipped by
the others. Changes to the registry, whoever makes them (the CLI, a page, another machine),
are noticed by one small query every few seconds for the newest audit record; the jobs that
follow changes then run once after a short pause that gathers the changes behind it. While
nothing changes and nothing is due, the process sleeps.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import TYPE_CHECKING, Any

from ark.jobs.model import WATCH_SECONDS
from ark.jobs.runner import Runner, backoff, describe
from ark.jobs.wake import WAKE_DELAY, WAKE_STATE

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("ark.jobs")


class Scheduler:
    """The jobs of one registry, run by APScheduler in this process's threads."""

    def __init__(self, runner: Runner, *, watch_seconds: float = WATCH_SECONDS) -> None:
        self.runner = runner
        self.watch_seconds = watch_seconds
        self.seen: int | None = None
        self.wakes: dict[str, str] = {}
        self._soon_lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        automation = self.runner.context().automation
        scheduler = BackgroundScheduler(
            timezone=automation.zone(),
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._scheduler = scheduler
        self.seen, self.wakes = self._newest_change()
        for name, job in sorted(self.runner.jobs().items()):
            trigger = job.schedule.trigger(automation)
            if trigger is not None:
                scheduler.add_job(self._run, trigger, args=[name], id=name, name=name)
            if self.runner.overdue(name):  # missed while no process ran, or died mid-run
                self.soon(name, dt.timedelta(0))
        scheduler.add_job(self._watch, "interval", seconds=self.watch_seconds, id="watch")
        scheduler.start()

    def shutdown(self) -> None:
        """Stop scheduling. Taken from `soon` under its lock: a job asking for a run just as
        the worker stops finds no scheduler, instead of one taken away between its look and
        its use (a traceback in a job's thread as `ark worker` ended)."""
        with self._soon_lock:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=False)

    def soon(self, name: str, delay: dt.timedelta, due: dt.datetime | None = None) -> None:
        """Run job `name` once after `delay`. A run already waiting serves both (this is what
        batches many changes into one run); it is brought forward if this one is sooner (a
        webhook's after a change's), and covers what both were asked for."""
        with self._soon_lock:
            if self._scheduler is None:
                return
            run_at = dt.datetime.now(dt.UTC) + delay
            waiting = self._scheduler.get_job(f"{name}:soon")
            if waiting is None:
                self._scheduler.add_job(
                    self._run, "date", run_date=run_at, args=[name, due], id=f"{name}:soon"
                )
                return
            before = waiting.args[1]
            both = None if before is None or due is None else max(before, due)
            waiting.modify(args=[name, both])
            if waiting.next_run_time is not None and run_at < waiting.next_run_time:
                waiting.reschedule("date", run_date=run_at)

    def _run(self, name: str, due: dt.datetime | None = None) -> None:
        """A scheduled run (`due` None: the trigger fired now) or a run after changes noticed
        at `due`, which only a run started after them can cover."""
        try:
            if due is None:
                outcome = self.runner.run(name, due=self.runner.clock())
            else:
                outcome = self.runner.run(name, due=due, grace=dt.timedelta(0))
        except Exception as exc:  # noqa: BLE001 - the scheduler's thread must survive anything
            log.error("job %s could not run: %s", name, describe(exc))
            self.soon(name, backoff(1))
            return
        if outcome is not None and outcome.state.failures:
            self.soon(name, backoff(outcome.state.failures))

    def _newest_change(self) -> tuple[int, dict[str, str]]:
        """The newest change to the team, and the wakes webhooks asked for."""
        from ark.audit import team_version
        from ark.registry.writer import transaction

        with transaction(self.runner.engine, write=False) as registry:
            newest = team_version(registry)
            return newest, dict(registry.state(WAKE_STATE) or {})

    def _watch(self) -> None:
        try:
            newest, wakes = self._newest_change()
        except Exception as exc:  # noqa: BLE001 - a database away for a moment: look again next time
            log.warning("cannot look for changes: %s", describe(exc))
            return
        for name, at in wakes.items():
            if self.wakes.get(name) != at:
                self.soon(name, WAKE_DELAY, due=dt.datetime.fromisoformat(at))
        self.wakes = wakes
        if newest == self.seen:
            return
        self.seen = newest
        self.changed()

    def changed(self) -> None:
        """The registry changed: run each job that follows changes, once, shortly."""
        noticed = self.runner.clock()
        context = self.runner.context()
        delay = dt.timedelta(seconds=context.automation.debounce_seconds)
        for name, job in self.runner.jobs().items():
            if job.schedule.on_change:
                self.soon(name, delay, due=noticed)

    def jobs(self) -> list[Any]:
        scheduler = self._scheduler  # read once: `shutdown` may take it meanwhile
        return [] if scheduler is None else scheduler.get_jobs()
