"""Waking jobs from outside: a webhook (Jira's, say) asks for the jobs that follow its source
to run within seconds, in whichever process runs the jobs.

A request is authentic when it carries the shared secret (`ARK_WEBHOOK_SECRET`), either as
Jira Cloud signs webhooks registered with a secret (`X-Hub-Signature: sha256=` and the
HMAC-SHA256 of the body) or as `Authorization: Bearer SECRET` (a Data Center webhook behind a
proxy that adds it). A wake is written to the registry's state, where every worker's watcher
sees it, and handed to this process's scheduler if it has one; a flood writes at most one
wake a second per job, and the job's pending run serves them all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ark.errors import ArkError
from ark.i18n import N_

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.jobs.scheduler import Scheduler
    from ark.plugins import Hooks

SECRET_ENV = "ARK_WEBHOOK_SECRET"
WAKE_STATE = "jobs.wake"
QUIET = dt.timedelta(seconds=1)
WAKE_DELAY = dt.timedelta(seconds=1)


def secret() -> str:
    value = os.environ.get(SECRET_ENV, "")
    if len(value) < 16:
        raise ArkError(
            N_("{name} is not set (or shorter than 16 characters): webhooks are refused"),
            hint=N_("set {name} to a long random string and give Jira the same secret"),
            args={"name": SECRET_ENV},
        )
    return value


def authentic(key: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Whether the request carries `key`: as Jira's signature of `body`, or as a bearer."""
    signed = headers.get("x-hub-signature")
    if signed:
        expected = "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signed.strip(), expected)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip(), key)


class Waker:
    """Wakes the jobs that follow a webhook source, coalescing floods."""

    def __init__(self, engine: Engine, hooks: Hooks, scheduler: Scheduler | None = None) -> None:
        self.engine = engine
        self.hooks = hooks
        self.scheduler = scheduler
        self._last: dict[str, dt.datetime] = {}
        self._lock = threading.Lock()

    def wake(self, source: str) -> list[str]:
        """Ask the jobs following `source` to run soon; returns their names."""
        from ark.jobs.runner import registered_jobs
        from ark.registry.writer import transaction

        names = sorted(n for n, j in registered_jobs(self.hooks).items() if j.webhook == source)
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            due = [
                n
                for n in names
                if now - self._last.get(n, dt.datetime.min.replace(tzinfo=dt.UTC)) >= QUIET
            ]
            self._last.update(dict.fromkeys(due, now))
        if due:
            with transaction(self.engine, actor="webhook " + source) as registry:
                wakes = dict(registry.state(WAKE_STATE) or {})
                wakes.update(dict.fromkeys(due, now.isoformat()))
                registry.set_state(WAKE_STATE, wakes)
        if self.scheduler is not None:
            for name in names:
                self.scheduler.soon(name, WAKE_DELAY, due=now)
        return names
