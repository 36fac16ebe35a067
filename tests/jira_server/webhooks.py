"""Jira's webhooks, as the test server sends them: a JSON POST to a registered URL after a
person changes an issue, signed as Jira Cloud signs webhooks registered with a secret
(`X-Hub-Signature: sha256=<HMAC of the body>`); some can be lost on the way."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import requests


def signature(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature` header Jira sends for `body` with `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Webhooks:
    """Where webhooks go; `lose` drops the next n of them (a network that loses some)."""

    url: str | None = None
    secret: str | None = None
    lose: int = 0
    answers: list[int] = field(default_factory=list)
    """The HTTP status each delivered webhook got back, in order."""

    def issue_updated(self, issue: dict[str, Any], items: list[dict[str, Any]]) -> None:
        if self.url is None:
            return
        if self.lose > 0:
            self.lose -= 1
            return
        payload = {
            "timestamp": int(time.time() * 1000),
            "webhookEvent": "jira:issue_updated",
            "issue_event_type_name": "issue_generic",
            "issue": issue,
            "changelog": {"items": items},
        }
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if self.secret is not None:
            headers["X-Hub-Signature"] = signature(self.secret, body)
        self.answers.append(
            requests.post(self.url, data=body, headers=headers, timeout=30).status_code
        )
