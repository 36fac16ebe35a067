"""Running a job once, safely among many processes.

A run holds the job's named lock (`ark.locks`), so no job runs twice at once on one registry,
whichever process or machine asks. A run asked for at time T is skipped when another run that
started after T (less a grace for clocks and triggers firing together) already succeeded;
a run whose holder was killed never succeeded, so the next process to get the lock runs it
again. Failures are kept with the job (their text scrubbed of secrets), retried with back-off
by the scheduler, and reported to the leads once per streak.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ark.errors import ArkError, NotFound
from ark.i18n import N_, command_language, say, speak, tr
from ark.jobs.model import STATE_PREFIX, Clock, Job, JobContext, JobState, moment, system_clock
from ark.locks import holder, named_lock

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.plugins import Hooks

log = logging.getLogger("ark.jobs")
GRACE = dt.timedelta(seconds=60)
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=1)
SECRET_NAMES = re.compile(r"TOKEN|PASSWORD|SECRET|_PAT$|_KEY$")


def registered_jobs(hooks: Hooks) -> dict[str, Job]:
    """Every job the core and the plugins register, by name."""
    found: dict[str, Job] = {}

    def register(job: Job) -> None:
        found.setdefault(job.name, job)

    hooks.ark_register_jobs(register=register)
    return found


def scrub(text: str) -> str:
    """`text` without the value of any secret the environment holds."""
    for name, value in os.environ.items():
        if SECRET_NAMES.search(name) and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def describe(exc: BaseException) -> str:
    """A one-line account of a failure, for the jobs page and the leads."""
    if isinstance(exc, ArkError):
        text = exc.message + (f" ({exc.hint})" if exc.hint else "")
    else:
        text = f"{type(exc).__name__}: {exc}"
    return scrub(" ".join(text.split()))


def backoff(failures: int) -> dt.timedelta:
    """How long after its n-th failure in a row a job is tried again: doubling, capped."""
    pause: dt.timedelta = FIRST_RETRY * 2 ** max(failures - 1, 0)
    return min(pause, LONGEST_RETRY)


@dataclass
class Outcome:
    """What a request to run a job came to."""

    state: JobState
    ran: bool


class Runner:
    """Runs jobs against one registry, as one named process (`ark worker on HOST (pid N)`)."""

    def __init__(
        self, engine: Engine, hooks: Hooks, *, holder: str, clock: Clock = system_clock
    ) -> None:
        self.engine = engine
        self.hooks = hooks
        self.holder = holder
        self.clock = clock

    def jobs(self) -> dict[str, Job]:
        return registered_jobs(self.hooks)

    def job(self, name: str) -> Job:
        jobs = self.jobs()
        if name not in jobs:
            raise NotFound(
                N_("no job {name!r}"),
                hint=N_("use one of: {choices}"),
                args={"name": name, "choices": ", ".join(sorted(jobs))},
            )
        return jobs[name]

    def context(self) -> JobContext:
        from ark.jobs.config import AutomationConfig, NotifyConfig
        from ark.registry.writer import transaction

        with transaction(self.engine, write=False) as registry:
            automation, notify = AutomationConfig.read(registry), NotifyConfig.read(registry)
            lang = registry.strategy().lang
        return JobContext(
            self.engine, self.clock, self.hooks, automation, notify, self.holder, lang
        )

    def state(self, name: str) -> JobState:
        from ark.registry.writer import transaction

        with transaction(self.engine, write=False) as registry:
            return JobState.of(registry.state(STATE_PREFIX + name))

    def _save(self, name: str, state: JobState) -> None:
        from ark.registry.writer import transaction

        with transaction(self.engine, actor=self.holder) as registry:
            registry.set_state(STATE_PREFIX + name, state.as_json())

    def run(
        self,
        name: str,
        *,
        due: dt.datetime | None = None,
        grace: dt.timedelta = GRACE,
        wait: bool = True,
        waiting: Callable[[str], None] | None = None,
        started: Callable[[], None] | None = None,
    ) -> Outcome | None:
        """Run job `name` unless a run that started after `due` (less `grace`) has succeeded;
        None when the job is running elsewhere and `wait` is False. `started` is called
        once this run holds the job's lock."""
        job = self.job(name)
        with named_lock(self.engine, "job:" + name, self.holder, wait=wait, waiting=waiting) as ok:
            if not ok:
                return None
            if started is not None:
                started()
            state = self.state(name)
            covered = moment(state.covered)
            if due is not None and covered is not None and covered >= due - grace:
                return Outcome(state, ran=False)
            return Outcome(self._run(job, state), ran=True)

    def start(self, name: str) -> str | None:
        """Run job `name` now in a background thread (a button must not wait for a sync),
        unless it is running elsewhere. Returns once the run holds the job's lock: None,
        or who holds it instead."""
        self.job(name)  # an unknown job is refused here, not in the thread
        decided = threading.Event()
        held: list[str] = []

        def work() -> None:
            try:
                if self.run(name, wait=False, started=decided.set) is None:
                    held.append(holder(self.engine, "job:" + name))
            except Exception as exc:  # noqa: BLE001 - nobody waits on this thread to hear it
                log.error("job %s could not run: %s", name, describe(exc))
            finally:
                decided.set()

        threading.Thread(target=work, name=f"ark job {name}", daemon=True).start()
        decided.wait()
        return held[0] if held else None

    def _run(self, job: Job, state: JobState) -> JobState:
        """Run `job` speaking the strategy's language (its messages, its result, its error and
        the report of its failure), and leave the thread's language as it was."""
        with command_language():
            return self._run_speaking(job, state)

    def _run_speaking(self, job: Job, state: JobState) -> JobState:
        started = self.clock()
        self._save(job.name, state.replace(running=self.holder, last_start=started.isoformat()))
        lock = (
            named_lock(self.engine, job.lock, self.holder, waiting=self._waiting(job))
            if job.lock
            else nullcontext()
        )
        try:
            context = self.context()
            speak(context.lang)
            with lock:
                result = job.run(context)
        except Exception as exc:  # noqa: BLE001 - a failing job must not stop the others, nor the server
            error = describe(exc)
            failures = state.failures + 1
            log.warning("job %s failed (%d in a row): %s", job.name, failures, error)
            after = state.replace(
                running=None,
                last_end=self.clock().isoformat(),
                error=error,
                result="failed",
                failures=failures,
                retry_at=(started + backoff(failures)).isoformat(),
            )
            self._save(job.name, after)
            if failures == 1:
                self._report(job, after)
            return after
        after = JobState(
            last_start=started.isoformat(),
            last_end=self.clock().isoformat(),
            result=result,
            covered=started.isoformat(),
        )
        self._save(job.name, after)
        log.info("job %s ran in %s: %s", job.name, self.holder, result)
        return after

    def _waiting(self, job: Job) -> Callable[[str], None]:
        return lambda who: log.info("job %s waits for %s, held by %s", job.name, job.lock, who)

    def _report(self, job: Job, state: JobState) -> None:
        """Tell the leads of the first failure of a streak; a failing notifier is logged."""
        from ark.notify import tell_leads

        try:
            context = self.context()
            speak(context.lang)

            def when(iso: str | None) -> str:
                found = moment(iso)
                return "-" if found is None else say(context.automation.local(found))

            body = [
                tr(job.description),
                "",
                tr(N_("It failed at {moment}:"), moment=when(state.last_end)),
                state.error or "",
                "",
                tr(
                    N_(
                        "It is retried at {moment} and later with growing pauses; `ark jobs` "
                        "shows its state."
                    ),
                    moment=when(state.retry_at),
                ),
            ]
            messages = tell_leads(
                context.notify,
                event=f"job-failed/{job.name}/{state.last_start}",
                subject=tr(N_("Ark: the {job} job failed"), job=job.name),
                body="\n".join(body),
            )
            with context.notifier() as notifier:
                for message in messages:
                    notifier.send(message)
        except Exception as exc:  # noqa: BLE001 - the failure is on the jobs page either way
            log.warning("could not report the failure of %s: %s", job.name, describe(exc))

    def overdue(self, name: str) -> bool:
        """Whether job `name` missed a scheduled run (or never ran, or died while running)."""
        job, state = self.job(name), self.state(name)
        if state.running is not None or state.retry_at is not None:
            return True
        covered = moment(state.covered)
        if covered is None:
            return job.schedule.trigger(self.context().automation) is not None
        following = job.schedule.next_after(self.context().automation, covered)
        return following is not None and following <= self.clock()

    def next_run(self, name: str) -> dt.datetime | None:
        """When job `name` runs next by its schedule (a retry first, if one is pending)."""
        job, state = self.job(name), self.state(name)
        if state.retry_at:
            return moment(state.retry_at)
        covered = moment(state.covered)
        automation = self.context().automation
        return job.schedule.next_after(automation, covered or self.clock())

    def listing(self) -> list[dict[str, Any]]:
        """Every job with its last run, result and next run, times in the strategy's zone
        (for `ark jobs` and the jobs page)."""
        zone = self.context().automation.zone()

        def when(value: dt.datetime | str | None) -> str | None:
            found = moment(value) if isinstance(value, str) else value
            return None if found is None else found.astimezone(zone).isoformat(timespec="seconds")

        rows = []
        for name, job in sorted(self.jobs().items()):
            state = self.state(name)
            rows.append(
                {
                    "name": name,
                    "description": job.description,
                    "last_run": when(state.last_start),
                    "result": state.result,
                    "error": state.error,
                    "failures": state.failures,
                    "running": state.running,
                    "next_run": when(self.next_run(name)),
                    "on_change": job.schedule.on_change,
                }
            )
        return rows
