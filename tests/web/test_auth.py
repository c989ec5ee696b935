"""Signing in to the web app: passwords, sessions, CSRF, the login rate limit,
roles and the `next` redirect (TestClient over SQLite, then PostgreSQL)."""

from __future__ import annotations

import pytest

from bot.web.auth import safe_next
from tests.web.conftest import PASSWORD, csrf_from, login


def test_login_page_has_a_csrf_token_and_the_security_headers(client):
    page = client.get("/login", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_an_agent_signs_in_and_out(client, add_account):
    add_account("ada", role="agent")

    response = login(client, "ada")
    assert response.status_code == 303
    assert response.headers["location"] == "/agent"
    assert "Signed in as ada" in client.get("/login").text

    token = csrf_from(client)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    response = client.get("/seller")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fseller"


def test_a_seller_lands_on_the_case_log(client, add_account):
    add_account("hearth", role="seller", seller_id="S-1")
    response = login(client, "hearth")
    assert response.status_code == 303
    assert response.headers["location"] == "/seller"
    assert client.get("/seller").status_code == 200


def test_usernames_are_case_insensitive(client, add_account):
    add_account("Ada", role="agent")
    assert login(client, "ada").status_code == 303


def test_wrong_password_and_unknown_user_get_the_same_answer(client, add_account):
    add_account("ada", role="agent")

    wrong = login(client, "ada", "not the password")
    unknown = login(client, "nobody", PASSWORD)

    assert wrong.status_code == unknown.status_code == 400
    message = "The username or password is not correct."
    assert message in wrong.text and message in unknown.text
    assert client.get("/seller").status_code == 303  # still signed out


def test_five_failures_lock_the_username_for_this_address(client, add_account):
    add_account("ada", role="agent")
    for _ in range(5):
        assert login(client, "ada", "guess").status_code == 400

    blocked = login(client, "ada", PASSWORD)  # even the right password

    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text
    assert "15 minutes" in blocked.text
    add_account("bob", role="agent")
    assert login(client, "bob").status_code == 303  # other usernames still work


def test_a_success_clears_earlier_failures(client, add_account):
    add_account("ada", role="agent")
    for _ in range(4):
        login(client, "ada", "guess")
    assert login(client, "ada").status_code == 303
    for _ in range(4):
        assert login(client, "ada", "guess").status_code == 400


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_login_without_the_right_csrf_token_is_refused(client, add_account, token):
    add_account("ada", role="agent")
    csrf_from(client)  # the session has a token; the form does not carry it
    data = {"username": "ada", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 403
    assert client.get("/seller").status_code == 303


def test_logout_needs_the_csrf_token(signed_in):
    client = signed_in("seller", seller_id="S-1")
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/seller").status_code == 200  # still signed in


def test_the_csrf_header_is_accepted_for_scripts(signed_in):
    client = signed_in("seller", seller_id="S-1")
    token = csrf_from(client, "/seller")
    response = client.post("/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 303


def test_a_new_session_starts_at_login(client, add_account):
    add_account("ada", role="agent")
    before = csrf_from(client)
    login(client, "ada")
    after = csrf_from(client)
    assert before != after


def test_next_goes_back_to_the_page_that_asked(client, add_account):
    add_account("hearth", role="seller", seller_id="S-1")
    first = client.get("/seller")
    assert first.headers["location"] == "/login?next=%2Fseller"
    response = login(client, "hearth", next="/seller?tab=open")
    assert response.headers["location"] == "/seller?tab=open"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "http:/evil.example",
        "javascript:alert(1)",
        "/seller\r\nSet-Cookie: x=1",
    ],
)
def test_next_never_leaves_the_site(client, add_account, target):
    add_account("hearth", role="seller", seller_id="S-1")
    response = login(client, "hearth", next=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/seller"


def test_safe_next_keeps_local_paths_only():
    assert (
        safe_next("/agent/conversations?page=2", "/") == "/agent/conversations?page=2"
    )
    assert safe_next(None, "/seller") == "/seller"
    assert safe_next("seller", "/") == "/"


@pytest.mark.parametrize("path", ["/agent", "/agent/dashboard", "/agent/export.csv"])
def test_a_seller_is_refused_agent_pages(signed_in, path):
    client = signed_in("seller", seller_id="S-1")  # S-1 reads Chinese
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "无权访问" in response.text


def test_an_agent_is_refused_the_seller_portal(signed_in):
    client = signed_in("agent")
    response = client.get("/seller", headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "Not allowed" in response.text


def test_a_deleted_account_is_signed_out(signed_in, web_engine):
    from sqlalchemy import delete

    from bot.adapters.orm import WebUserRow
    from bot.db import session_scope

    client = signed_in("seller", seller_id="S-1", username="gone")
    with session_scope(web_engine) as session:
        session.execute(delete(WebUserRow).where(WebUserRow.username == "gone"))
    assert client.get("/seller").status_code == 303


def test_a_tampered_session_cookie_is_ignored(client, add_account):
    add_account("ada", role="agent")
    login(client, "ada")
    payload, timestamp, signature = client.cookies.get("csba_session").split(".")
    forged = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    client.cookies.clear()
    client.cookies.set("csba_session", f"{payload}.{timestamp}.{forged}")
    assert client.get("/seller").status_code == 303
    client.cookies.clear()
    client.cookies.set("csba_session", f"{payload}.{timestamp}.{signature}")
    assert client.get("/seller").status_code == 403  # the real one: an agent
