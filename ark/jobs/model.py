"""What a background job is, what it is given when it runs, and what is kept of its last run."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.jobs.config import AutomationConfig, NotifyConfig
    from ark.notify import Notifier
    from ark.plugins import Hooks
    from ark.registry.writer import Registry

Clock = Callable[[], dt.datetime]
STATE_PREFIX = "job."
# How often a process running the jobs looks for registry changes (one small query).
WATCH_SECONDS = 2.0


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Schedule:
    """When a job runs by itself: every so often, weekly or daily at a local hour, and/or
    shortly after the registry changes (batched: one run for many changes)."""

    every: Callable[[AutomationConfig], dt.timedelta] | None = None
    weekday: Callable[[AutomationConfig], str] | None = None
    hour: Callable[[AutomationConfig], int] | None = None
    on_change: bool = False

    def trigger(self, config: AutomationConfig) -> Any:
        """The APScheduler trigger, in the strategy's time zone; None for change-only jobs."""
        from apscheduler.triggers.cron import CronTrigger
        from apscheduler.triggers.interval import IntervalTrigger

        if self.every is not None:
            return IntervalTrigger(seconds=self.every(config).total_seconds(), timezone="UTC")
        if self.hour is not None:
            weekday = self.weekday(config) if self.weekday else "*"
            return CronTrigger(day_of_week=weekday, hour=self.hour(config), timezone=config.zone())
        return None

    def next_after(self, config: AutomationConfig, moment: dt.datetime) -> dt.datetime | None:
        """The first scheduled time after `moment`."""
        if self.every is not None:
            return moment + self.every(config)
        trigger = self.trigger(config)
        if trigger is None:
            return None
        found: dt.datetime | None = trigger.get_next_fire_time(None, moment)
        return found


@dataclass(frozen=True)
class Job:
    """A named piece of background work; `run` returns a one-line result."""

    name: str
    description: str
    run: Callable[[JobContext], str]
    schedule: Schedule
    lock: str | None = None  # a lock shared with a command doing the same work
    webhook: str | None = None  # the source whose webhooks wake it (`jira`: POST /hooks/jira)


@dataclass(frozen=True)
class JobState:
    """What is kept of a job's runs (in the registry, so every process sees it)."""

    last_start: str | None = None
    last_end: str | None = None
    result: str = ""
    error: str | None = None
    failures: int = 0
    covered: str | None = None  # when the last successful run started
    running: str | None = None  # who runs it now (stale if that process died)
    retry_at: str | None = None

    @classmethod
    def of(cls, value: dict[str, Any] | None) -> JobState:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (value or {}).items() if k in names})

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> JobState:
        return dataclasses.replace(self, **changes)


def moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


@dataclass
class JobContext:
    """What a job is given: the registry, the clock, the settings, the strategy's language
    and a way to notify."""

    engine: Engine
    clock: Clock
    hooks: Hooks
    automation: AutomationConfig
    notify: NotifyConfig
    actor: str
    lang: str  # the strategy's: what the job's messages and result are written in

    def now(self) -> dt.datetime:
        return self.automation.local(self.clock())

    def today(self) -> dt.date:
        """Today in the strategy's time zone, by the context's clock."""
        return self.now().date()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Registry]:
        """A registry transaction whose `today` is the clock's."""
        from ark.registry.writer import transaction

        with transaction(self.engine, hooks=self.hooks, actor=self.actor, write=write) as registry:
            registry.today = self.today()
            yield registry

    def notifier(self) -> Notifier:
        from ark.notify import Notifier

        return Notifier(self.engine, self.notify, self.hooks, self.clock)
