"""The sign-in limit shared by several web processes through Redis (issue 15,
CSBA_REDIS_URL): two apps built from the same settings stand for two web
processes behind a load balancer. Needs TEST_REDIS_URL (CI always sets it)."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time

import pytest
import redis
from starlette.testclient import TestClient

from bot.adapters.catalogue import t
from bot.adapters.login_throttle_store import RedisLoginThrottle, redis_login_throttle
from bot.entrypoints.web.app import create_app
from bot.entrypoints.web.login import LOGIN_PAIR_WINDOW_SECONDS
from bot.entrypoints.web.settings import WebSettings
from tests.web.conftest import PASSWORD, login

WRONG = "not the password"


@pytest.fixture
def two_processes(web_settings, redis_url):
    """Build `n` web apps ("processes") over the same settings, Redis included;
    each yields one TestClient of its own."""
    opened: list[TestClient] = []

    def build(**limits) -> list[TestClient]:
        settings = dataclasses.replace(web_settings, redis_url=redis_url, **limits)
        clients = []
        for _ in range(2):
            client = TestClient(create_app(settings), follow_redirects=False)
            client.__enter__()
            opened.append(client)
            clients.append(client)
        return clients

    yield build
    for client in opened:
        client.__exit__(None, None, None)


def test_failures_on_one_process_count_on_the_other(two_processes, add_account):
    add_account("ada")
    first, second = two_processes(login_free_failures=3)
    for _ in range(3):  # the free failures, on the first process
        assert login(first, "ada", WRONG).status_code == 400
    assert login(second, "ada", WRONG).status_code == 400  # the 4th, on the other

    # now the pair waits 2 s, on either process, even with the right password
    for client in (first, second):
        refused = login(client, "ada", PASSWORD)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 2

    time.sleep(2.1)
    assert login(second, "ada", PASSWORD).status_code == 303
    # the success cleared the pair for every process
    assert login(first, "ada", WRONG).status_code == 400


def test_the_address_limit_is_shared_and_ends_with_its_window(
    two_processes, add_account
):
    add_account("ada")
    first, second = two_processes(login_address_limit=3, login_window_seconds=2)
    for number, client in enumerate((first, second, first), start=1):
        assert login(client, f"guess{number}", WRONG).status_code == 400

    refused = login(second, "guess4", WRONG)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 2
    assert login(first, "ada", PASSWORD).status_code == 429  # every username

    time.sleep(2.1)  # the window has passed: the address is free again
    assert login(second, "ada", PASSWORD).status_code == 303


def test_usernames_and_addresses_are_not_stored_in_clear(
    two_processes, add_account, redis_url
):
    first, _ = two_processes()
    login(first, "ada-the-user", WRONG)
    keys = [key.decode() for key in redis.Redis.from_url(redis_url).keys("*")]
    assert len(keys) == 2
    assert all(key.startswith("csba:login:") for key in keys)
    assert not any("ada-the-user" in key or "testclient" in key for key in keys)


def test_simultaneous_guesses_on_two_processes_get_the_free_ones_only(redis_url):
    """The wait is checked and the attempt counted in one Lua script: of 20
    guesses sent at once through two connections, exactly the 4 that the rules
    let through pass (3 free failures, then the 4th waits 2 s)."""
    limits = {
        "key": b"test-key",
        "free_failures": 3,
        "max_delay_seconds": 300,
        "window_seconds": 900,
        "pair_window_seconds": LOGIN_PAIR_WINDOW_SECONDS,
        "address_limit": 30,
    }
    throttles = [redis_login_throttle(redis_url, **limits) for _ in range(2)]
    start = threading.Barrier(20)
    waits: list[float] = []
    lock = threading.Lock()

    def guess(throttle: RedisLoginThrottle) -> None:
        start.wait()
        wait = throttle.attempt("ada", "203.0.113.5")
        with lock:
            waits.append(wait)

    threads = [
        threading.Thread(target=guess, args=(throttles[i % 2],)) for i in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for wait in waits if wait == 0) == 4
    assert all(0 < wait <= 2 for wait in waits if wait != 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_redis_down_refuses_sign_in_politely(web_settings, add_account):
    add_account("ada")
    settings = dataclasses.replace(
        web_settings, redis_url=f"redis://127.0.0.1:{_closed_port()}/0"
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.get("/login").status_code == 200  # the form still shows
        started = time.monotonic()
        for password in (PASSWORD, WRONG):  # never a bypass, never a 500
            refused = login(client, "ada", password)
            assert refused.status_code == 503
            assert t("web.login.unavailable") in refused.text
        assert time.monotonic() - started < 10
        # not signed in
        assert client.get("/agent").status_code in (302, 303, 307)


def test_the_redis_url_comes_from_csba_redis_url(monkeypatch, tmp_path):
    monkeypatch.setenv("CSBA_REDIS_URL", "redis://cache.internal:6379/3")
    assert WebSettings().redis_url == "redis://cache.internal:6379/3"
    monkeypatch.delenv("CSBA_REDIS_URL")
    assert WebSettings().redis_url is None  # the in-memory limiter of `make run`
