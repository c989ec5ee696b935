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


def make_client_for(client):
    """Another browser (its own cookies) on the same app as `client`."""
    from starlette.testclient import TestClient

    other = TestClient(client.app, follow_redirects=False)
    other.__enter__()
    return other


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(web_app) -> FakeClock:
    """The app's sign-in throttle on a clock the test moves."""
    from bot.web.auth import LoginThrottle

    fake = FakeClock()
    web_app.state.login_throttle = LoginThrottle(clock=fake)
    return fake


def test_failures_slow_the_username_down_without_locking_the_owner_out(
    client, add_account, clock
):
    """Issue 10: 5 failures used to lock the owner out of a shared address for 15
    minutes. Now the first 3 are free, then the wait doubles up to 5 minutes."""
    add_account("ada", role="agent")
    for _ in range(3):
        assert login(client, "ada", "guess").status_code == 400
    assert login(client, "ada", "guess").status_code == 400  # the 4th: now 2 s

    blocked = login(client, "ada", PASSWORD)  # even the right password
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == "2"
    assert "Please wait 2 seconds" in blocked.text
    add_account("bob", role="agent")
    assert login(make_client_for(client), "bob").status_code == 303  # others: fine

    clock.now += 2
    assert login(client, "ada", "guess").status_code == 400  # the 5th: 4 s
    clock.now += 3
    assert login(client, "ada", PASSWORD).status_code == 429
    clock.now += 1
    assert login(client, "ada", PASSWORD).status_code == 303  # the owner gets in


def test_the_wait_doubles_and_is_capped(client, add_account, clock):
    from bot.web.auth import LoginThrottle

    throttle = LoginThrottle(clock=clock)
    waits = []
    for _ in range(12):  # each attempt as soon as it is allowed
        throttle.failed("ada", "203.0.113.5")
        waits.append(throttle.retry_after("ada", "203.0.113.5"))
        clock.now += waits[-1]
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300]  # 512 capped
    assert throttle.delay_after(40) == 300
    # Failures older than the window are forgotten.
    clock.now += 15 * 60 + 1
    assert throttle.retry_after("ada", "203.0.113.5") == 0


def test_one_address_guessing_many_usernames_is_stopped(clock):
    from bot.web.auth import LoginThrottle

    throttle = LoginThrottle(clock=clock)
    for n in range(30):
        assert throttle.retry_after(f"user{n}", "198.51.100.7") == 0
        throttle.failed(f"user{n}", "198.51.100.7")
        clock.now += 1
    wait = throttle.retry_after("somebody-new", "198.51.100.7")
    assert wait == pytest.approx(15 * 60 - 30)
    assert throttle.retry_after("somebody-new", "198.51.100.8") == 0
    clock.now += wait
    assert throttle.retry_after("somebody-new", "198.51.100.7") == 0


def test_a_success_clears_earlier_failures(client, add_account, clock):
    add_account("ada", role="agent")
    for _ in range(3):
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


@pytest.mark.parametrize(
    ("host", "flag", "secure"),
    [
        (None, None, False),  # make run: 127.0.0.1, plain http on this machine
        ("localhost", None, False),
        ("0.0.0.0", None, True),  # served to others: behind HTTPS
        ("10.1.2.3", None, True),
        ("0.0.0.0", "0", False),
        ("127.0.0.1", "1", True),
    ],
)
def test_the_session_cookie_is_secure_by_default_outside_localhost(
    monkeypatch, web_settings, add_account, host, flag, secure
):
    """Issue 10: the session cookie had no Secure flag, even behind HTTPS."""
    import dataclasses

    from starlette.testclient import TestClient

    from bot.web.app import create_app
    from bot.web.settings import default_https_only

    for name, value in (("CSBA_WEB_HOST", host), ("CSBA_WEB_HTTPS_ONLY", flag)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    settings = dataclasses.replace(web_settings, https_only=default_https_only())
    with TestClient(create_app(settings), follow_redirects=False) as client:
        cookie = client.get("/login").headers["set-cookie"]
    assert ("secure" in cookie.lower()) is secure, cookie


def test_a_bad_https_flag_is_a_clear_error(monkeypatch):
    from bot.web.settings import SettingsError, default_https_only

    monkeypatch.setenv("CSBA_WEB_HTTPS_ONLY", "maybe")
    with pytest.raises(SettingsError, match="CSBA_WEB_HTTPS_ONLY must be 1 or 0"):
        default_https_only()
