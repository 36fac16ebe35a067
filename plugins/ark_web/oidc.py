"""Signing in through the company's OpenID Connect provider: the authorization code flow with
PKCE, the ID token checked by joserfc (signature against the provider's keys, issuer,
audience, expiry, nonce).

The provider and the client id come from the team file's `web:` section; the client secret
only from `ARK_OIDC_CLIENT_SECRET`, never from a file or the registry. The provider vouches
for an e-mail address; the person still needs an enabled account with that e-mail, since
signing in this way never creates one or changes its role.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

from ark.errors import ArkError
from ark.i18n import N_
from ark.spec import SectionSchema

SECRET_ENV = "ARK_OIDC_CLIENT_SECRET"
COOKIE = "ark_oidc"
TIMEOUT = 10.0
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "oidc": {
            "type": "object",
            "additionalProperties": False,
            "required": ["issuer", "client_id"],
            "properties": {
                "issuer": {"type": "string", "pattern": "^https?://", "minLength": 8},
                "client_id": {"type": "string", "minLength": 1},
            },
        }
    },
}
SECTION = SectionSchema(
    "web",
    SCHEMA,
    "The workspace of `ark serve`: `oidc` names the company's OpenID Connect provider "
    f"(`issuer`, `client_id`; the client secret comes from {SECRET_ENV} only).",
)


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str


def provider_of(section: Any) -> Provider | None:
    """The provider the team file's `web:` section names, if any."""
    oidc = (section or {}).get("oidc")
    return None if not oidc else Provider(oidc["issuer"].rstrip("/"), oidc["client_id"])


def _unreachable(provider: Provider) -> ArkError:
    return ArkError(
        N_(
            "the sign-in provider at {issuer} cannot be reached or answered in a way Ark does "
            "not understand"
        ),
        hint=N_(
            "try again in a moment, or sign in with your password; an admin can check web.oidc"
        ),
        args={"issuer": provider.issuer},
    )


def _metadata(provider: Provider) -> dict[str, Any]:
    import requests

    try:
        answer = requests.get(
            f"{provider.issuer}/.well-known/openid-configuration", timeout=TIMEOUT
        )
        answer.raise_for_status()
        data: dict[str, Any] = answer.json()
    except (requests.RequestException, ValueError):
        raise _unreachable(provider) from None
    return data


def start(provider: Provider, redirect_uri: str, next_path: str) -> tuple[str, str]:
    """Where to send the browser, and the cookie that remembers this attempt."""
    meta = _metadata(provider)
    state, nonce, verifier = (secrets.token_urlsafe(n) for n in (24, 24, 48))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge.decode().rstrip("="),
            "code_challenge_method": "S256",
        }
    )
    return f"{meta['authorization_endpoint']}?{query}", ".".join(
        (state, nonce, verifier, quote(next_path, safe=""))
    )


def finish(
    provider: Provider, redirect_uri: str, code: str, state: str, cookie: str
) -> tuple[str, str]:
    """The e-mail the provider vouches for, and where to go next."""
    import requests
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    parts = cookie.split(".", 3)
    if len(parts) != 4 or not state or not hmac.compare_digest(parts[0], state):
        raise ArkError(
            N_("this sign-in did not start here, or took too long"),
            hint=N_("start again from the sign-in page"),
        )
    _, nonce, verifier, next_path = parts
    meta = _metadata(provider)
    secret = os.environ.get(SECRET_ENV)
    try:
        answer = requests.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
                "client_id": provider.client_id,
            },
            auth=(provider.client_id, secret) if secret else None,
            timeout=TIMEOUT,
        )
        keys = requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()
        token = answer.json().get("id_token") if answer.ok else None
    except (requests.RequestException, ValueError):
        raise _unreachable(provider) from None
    if not token:
        raise ArkError(
            N_("the sign-in provider did not confirm the sign-in"),
            hint=N_("start again from the sign-in page; an admin can check web.oidc and {name}"),
            args={"name": SECRET_ENV},
        )
    try:
        claims = jwt.decode(token, KeySet.import_key_set(keys)).claims
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
        ).validate(claims)
    except (JoseError, ValueError, TypeError):
        raise ArkError(
            N_("the sign-in provider's answer did not check out"), hint=N_("start again")
        ) from None
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise ArkError(
            N_("the sign-in provider gave no verified e-mail address"),
            hint=N_("ask an admin to let the provider share your e-mail (scope `email`)"),
        )
    return email, unquote(next_path)
