"""What the automation tests share: a clock the test moves, a real SMTP server on 127.0.0.1
that keeps what it receives, and a runner of the jobs on a test's registry."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ark.db import open_engine
from ark.jobs.runner import Runner
from ark.plugins import hooks
from tests.conftest import Ark, free_port

MADRID = "Europe/Madrid"


class ManualClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> None:
        self.at = at


def local(text: str, zone: str = MADRID) -> dt.datetime:
    """A moment written as local time in `zone` (`2026-12-14 08:00`)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


@dataclass
class Mailbox:
    """The e-mails an aiosmtpd server on 127.0.0.1 received."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def summary(self) -> list[tuple[str, str]]:
        """(recipient, subject) of each e-mail, in order of arrival."""
        with self.arrived:
            return [(str(m["To"]), str(m["Subject"])) for m in self.messages]

    def events(self) -> list[str]:
        with self.arrived:
            return [str(m["X-Ark-Event"]) + " -> " + str(m["To"]) for m in self.messages]

    def notify_section(self, leads: tuple[str, ...] = ()) -> str:
        lines = [
            "notify:",
            "  sender: ark@acme.test",
            "  smtp_host: 127.0.0.1",
            f"  smtp_port: {self.port}",
            "  security: none",
        ]
        if leads:
            lines.append(f"  leads: [{', '.join(leads)}]")
        return "\n".join(lines) + "\n"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A real SMTP server on 127.0.0.1 for the block; yields what it receives."""
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def add_sections(ark: Ark, team: Path, *sections: str, timezone: str | None = MADRID) -> None:
    """Append sections to the team file, set the strategy's time zone, and apply it."""
    text = team.read_text(encoding="utf-8") + "".join(sections)
    if timezone is not None:
        text = text.replace("\nstrategy:\n", f"\nstrategy:\n  timezone: {timezone}\n", 1)
    team.write_text(text, encoding="utf-8")
    ark("apply", str(team))


def automation_section(**values: Any) -> str:
    """The `automation:` section with these settings (none: no section)."""
    lines = [f"  {k}: {v}" for k, v in values.items()]
    return "\n".join(["automation:", *lines]) + "\n" if lines else ""


def until(condition: Callable[[], bool]) -> None:
    """Wait for `condition` (no time limit: the machine may be slow)."""
    while not condition():
        time.sleep(0.02)


def runner(ark: Ark, clock: ManualClock) -> Runner:
    return Runner(open_engine(ark.db_url), hooks(), holder="test worker", clock=clock)
