"""Telling people things: by e-mail over SMTP, and through the `ark_notify` hook for any
other channel (Slack, Teams) a plugin adds.

Every message names the event it is about; once a message for an event has gone to a person,
it is recorded in the registry and never sent again, whichever process or retry tries. The
record is written right after the channels accepted the message, so a process killed between
the two sends it once more (at least once); it is never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import TYPE_CHECKING

from ark.errors import ArkError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ark.jobs.config import NotifyConfig
    from ark.plugins import Hooks

SENT_STATE = "sent."
SMTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Message:
    """One message to one person about one event (`overdue/listening/2026-W48`)."""

    event: str
    to: str
    subject: str
    body: str


def tell_leads(config: NotifyConfig, event: str, subject: str, body: str) -> list[Message]:
    """One message to each lead (`notify.leads`) about `event`: the leads hear of failing
    jobs and new check errors through here, each once."""
    return [Message(event=event, to=lead, subject=subject, body=body) for lead in config.leads]


def _sent_key(message: Message) -> str:
    digest = hashlib.sha256(f"{message.event}\n{message.to}".encode()).hexdigest()[:40]
    return SENT_STATE + digest


def forget_sent(engine: Engine, before: dt.datetime) -> int:
    """Forget the messages sent before `before`; returns how many.

    The records only stop an event from being told twice; an event older than the
    retention either cannot happen again (a past week's digest, a failure of long ago) or
    is still true a year on (a task overdue all that time), and then hearing of it once
    more is a fair reminder.
    """
    from ark.registry.writer import transaction

    with transaction(engine, actor="ark notify") as registry:
        sent = registry.states(SENT_STATE)
        old = [k for k, v in sent.items() if dt.datetime.fromisoformat(v["at"]) < before]
        registry.forget_states(old)
    return len(old)


class Notifier:
    """Sends messages once each; holds one SMTP connection for a batch of them."""

    def __init__(
        self,
        engine: Engine,
        config: NotifyConfig,
        hooks: Hooks | None,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.engine = engine
        self.config = config
        self.hooks = hooks
        self.clock = clock
        self.sent: list[Message] = []
        self.before = 0
        self.undelivered = 0
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Notifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            # the messages are delivered; a rude goodbye changes nothing
            with suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def was_sent(self, message: Message) -> bool:
        from ark.registry.writer import transaction

        with transaction(self.engine, write=False) as registry:
            return registry.state(_sent_key(message)) is not None

    def send(self, message: Message) -> bool:
        """Send `message` unless it went out before; returns whether it was sent now. With
        no channel (no SMTP host, no plugin), nothing is sent nor recorded as sent."""
        from ark.registry.writer import transaction

        plugins = self.hooks is not None and self.hooks.listens("ark_notify")
        if not self.config.smtp_host and not plugins:
            self.undelivered += 1
            return False
        if self.was_sent(message):
            self.before += 1
            return False
        if self.config.smtp_host:
            self._mail(message)
        if self.hooks is not None and plugins:
            self.hooks.ark_notify(message)
        with transaction(self.engine, actor="ark notify") as registry:
            registry.set_state(
                _sent_key(message),
                {"event": message.event, "to": message.to, "at": self.clock().isoformat()},
            )
        self.sent.append(message)
        return True

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host = config.smtp_host or ""
        try:
            if config.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, config.smtp_port, timeout=SMTP_TIMEOUT)
            else:
                smtp = smtplib.SMTP(host, config.smtp_port, timeout=SMTP_TIMEOUT)
                if config.security == "starttls":
                    smtp.starttls()
            if config.user and config.password:
                smtp.login(config.user, config.password)
        except (smtplib.SMTPException, OSError) as exc:
            raise self._failure(exc) from None
        return smtp

    def _mail(self, message: Message) -> None:
        mail = EmailMessage()
        mail["From"] = self.config.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["X-Ark-Event"] = message.event
        mail.set_content(message.body)
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            raise self._failure(exc) from None

    def _failure(self, exc: Exception) -> ArkError:
        reason = str(exc) or type(exc).__name__
        for secret in (self.config.password, self.config.user):
            if secret:
                reason = reason.replace(secret, "***")
        return ArkError(
            f"cannot send e-mail through {self.config.smtp_host}:{self.config.smtp_port}: {reason}",
            hint="check the notify: section and ARK_SMTP_USER / ARK_SMTP_PASSWORD",
        )
