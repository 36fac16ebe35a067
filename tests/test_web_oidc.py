"""Signing in through an OpenID Connect provider: a real one (oidc-provider-mock from PyPI)
runs on 127.0.0.1 for the test, and the browser's part is played over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2 as httpx
import pytest
from ark_web.app import create_app
from ark_web.auth import SESSION_COOKIE
from fastapi.testclient import TestClient

from ark.db import open_engine
from tests.conftest import Ark


@pytest.fixture
def provider() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def app(
    ark: Ark, team: Path, provider: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("ARK_OIDC_CLIENT_SECRET", "the client secret")
    text = team.read_text(encoding="utf-8")
    team.write_text(
        text + f"web:\n  oidc:\n    issuer: {provider}\n    client_id: ark-workspace\n",
        encoding="utf-8",
    )
    ark("apply", str(team))
    ark("user", "add", "ana@acme.test", "--role", "lead")
    engine = open_engine(ark.db_url)
    yield TestClient(create_app(engine), follow_redirects=False)
    engine.dispose()


def through_provider(client: TestClient, who: str, *, next_path: str = "/matrix") -> httpx.Response:
    """Start at Ark, let the provider's consent form say `who` signs in, and come back."""
    assert "Sign in with your company account" in client.get("/sign-in").text
    start = client.get(f"/sign-in/oidc?next={next_path}")
    assert start.status_code == 303
    authorize = start.headers["location"]
    params = parse_qs(urlsplit(authorize).query)
    assert params["code_challenge_method"] == ["S256"] and params["nonce"]
    consent = httpx.post(authorize, data={"sub": who, "action": "authorize"})
    assert consent.status_code in (302, 303), consent.text[:300]
    back = urlsplit(consent.headers["location"])
    answer: httpx.Response = client.get(f"{back.path}?{back.query}")
    return answer


def test_a_person_with_an_account_signs_in_through_the_provider(app: TestClient) -> None:
    response = through_provider(app, "ana@acme.test")
    assert (response.status_code, response.headers["location"]) == (303, "/matrix")
    assert SESSION_COOKIE in response.cookies
    assert "ana@acme.test (lead)" in app.get("/").text


def test_the_provider_vouching_is_not_enough_without_an_account(app: TestClient) -> None:
    response = through_provider(app, "stranger@acme.test")
    assert response.status_code == 403 and "has no account" in response.text
    assert app.get("/").status_code == 303


def test_a_callback_that_did_not_start_here_is_refused(app: TestClient) -> None:
    response = app.get("/sign-in/oidc/callback?code=made-up&state=made-up")
    assert response.status_code == 400 and "did not start here" in response.text


def test_a_bad_web_section_is_refused_where_it_is(ark: Ark, team: Path) -> None:
    team.write_text(
        team.read_text(encoding="utf-8") + "web:\n  oidc:\n    issuer: nowhere\n", "utf-8"
    )
    output = ark("apply", str(team), code=2).output
    assert "web" in output and "client_id" in output


def test_a_client_secret_in_the_team_file_is_refused_and_never_echoed(ark: Ark, team: Path) -> None:
    """The client secret comes from ARK_OIDC_CLIENT_SECRET only: a file that holds one is
    refused where it holds it, and the error does not repeat it."""
    team.write_text(
        team.read_text(encoding="utf-8")
        + "web:\n  oidc:\n    issuer: https://id.acme.test\n    client_id: ark\n"
        + "    client_secret: hunter2-topsecret\n",
        "utf-8",
    )
    output = ark("apply", str(team), code=2).output
    assert "web.oidc: unknown field 'client_secret'" in output and "nothing was changed" in output
    assert "hunter2" not in output
    assert "hunter2" not in ark("export").output
