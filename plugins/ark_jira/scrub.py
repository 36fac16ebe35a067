"""Jira credentials out of every text Ark shows, logs or stores.

A server (or a proxy in front of it) may echo the request's headers or URL in an error body,
so a credential can come back in any encoding the request carried it in: the raw token, the
`Authorization: Basic` value (base64 of `email:token`), a `Bearer` header, or URL-encoded in
a query string. One scrubber knows them all, and every message built from what Jira answered
passes through it (Ark logs nothing else about Jira's traffic).
"""

from __future__ import annotations

import base64
import re
from urllib.parse import quote, quote_plus

from ark_jira.config import Credentials

MASK = "***"
# A credential-like word after an authorization scheme is masked even if it is not one we
# sent (16 characters or more, so prose such as "Basic authentication" is left alone).
_SCHEMES = re.compile(r"\b(Basic|Bearer)(\s+|%20|\+)[A-Za-z0-9+/=._~%-]{16,}", re.IGNORECASE)


def _encodings(secret: str) -> set[str]:
    """`secret` as it may appear in a text: raw and URL-encoded (either hex case)."""
    forms = {secret}
    for encoded in (quote(secret, safe=""), quote_plus(secret, safe="")):
        forms |= {encoded, re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)}
    return forms


class Scrubber:
    """Masks one set of credentials, in every form a request may have carried them."""

    def __init__(self, credentials: Credentials) -> None:
        raw = [s for s in (credentials.token, credentials.pat) if s]
        if credentials.email and credentials.token:
            pair = f"{credentials.email}:{credentials.token}".encode()
            raw += [
                base64.b64encode(pair).decode(),
                base64.urlsafe_b64encode(pair).decode(),
            ]
            raw += [form.rstrip("=") for form in raw[-2:]]
        forms = {form for secret in raw for form in _encodings(secret)}
        # Longest first, so a form is not left half-masked by a shorter one inside it.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        text = _SCHEMES.sub(lambda m: f"{m.group(1)} {MASK}", text)
        for form in self._forms:
            text = text.replace(form, MASK)
        return text
