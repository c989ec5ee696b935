"""`csba users add` and the demo seed's web accounts, over a real database
(SQLite, then PostgreSQL)."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from bot.adapters.db import make_engine, session_scope
from bot.entrypoints.cli import main
from bot.services import users


@pytest.fixture
def csba(web_db, monkeypatch, capsys):
    """Run `csba ARGS` in-process (standard input `stdin`); (code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", web_db)

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def sign_in(url: str, username: str, password: str) -> users.WebUser | None:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            return users.authenticate(
                session,
                username=username,
                password=password,
                now=datetime.now(timezone.utc),
            )
    finally:
        engine.dispose()


def test_add_a_seller_account_with_the_password_from_stdin(csba, web_db):
    code, out, err = csba(
        "users", "add", "--role", "seller", "--username", "hearth",
        "--seller", "S-1", "--password-stdin", stdin="s3cret-pass\n",
    )  # fmt: skip

    assert (code, err) == (0, "")
    assert out == "Created the seller account hearth.\n"
    user = sign_in(web_db, "hearth", "s3cret-pass")
    assert user is not None
    assert (user.role, user.seller_id, user.language) == ("seller", "S-1", "zh")
    assert sign_in(web_db, "hearth", "wrong-pass") is None


def test_without_a_password_one_is_generated_and_printed_once(csba, web_db):
    code, out, err = csba(
        "users", "add", "--role", "agent", "--username", "ada", "--language", "zh"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Created the agent account ada."
    password = lines[1].removeprefix("Password (shown only now): ")
    assert len(password) >= 12
    assert sign_in(web_db, "ada", password).language == "zh"


def test_the_stored_password_is_an_argon2_hash(csba, web_db):
    from sqlalchemy import select

    from bot.adapters.orm import WebUserRow

    csba("users", "add", "--role", "agent", "--username", "ada",
         "--password-stdin", stdin="s3cret-pass\n")  # fmt: skip
    engine = make_engine(web_db)
    with session_scope(engine) as session:
        stored = session.execute(select(WebUserRow.password_hash)).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$")
    assert "s3cret-pass" not in stored


@pytest.mark.parametrize(
    ("args", "stdin", "line"),
    [
        (
            ["--role", "boss", "--username", "x1"],
            "",
            "csba: unknown role 'boss'; use one of: agent, seller\n",
        ),
        (
            ["--role", "seller", "--username", "x1"],
            "",
            "csba: a seller account needs --seller SELLER_ID\n",
        ),
        (
            ["--role", "seller", "--username", "x1", "--seller", "S-404"],
            "",
            "csba: no seller S-404 in the database\n",
        ),
        (
            ["--role", "agent", "--username", "x1", "--seller", "S-1"],
            "",
            "csba: an agent account belongs to no seller; leave out --seller\n",
        ),
        (
            ["--role", "agent", "--username", "x1", "--language", "fr"],
            "",
            "csba: unknown language 'fr'; use one of: en, zh\n",
        ),
        (
            ["--role", "agent", "--username", "x1", "--password-stdin"],
            "short\n",
            "csba: the password must have at least 8 characters\n",
        ),
        (
            ["--role", "agent", "--username", "<b>"],
            "",
            "csba: '<b>' is not a valid username; use 2 to 64 letters, digits, "
            "'.', '_', '-' or '@'\n",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1(csba, web_db, args, stdin, line):
    code, out, err = csba("users", "add", *args, stdin=stdin)
    assert (code, out, err) == (1, "", line)
    engine = make_engine(web_db)
    with session_scope(engine) as session:
        assert users.get_user(session, 1) is None  # nothing was created
    engine.dispose()


def test_a_taken_username_is_refused_whatever_its_case(csba):
    add = ("users", "add", "--role", "agent", "--password-stdin")
    assert csba(*add, "--username", "ada", stdin="first-pass\n")[0] == 0
    code, out, err = csba(*add, "--username", "ADA", stdin="second-pass\n")
    assert (code, out) == (1, "")
    assert err == "csba: the username ADA is already taken\n"


def test_errors_follow_csba_lang(csba, monkeypatch):
    monkeypatch.setenv("CSBA_LANG", "zh")
    code, _, err = csba("users", "add", "--role", "boss", "--username", "x1")
    assert code == 1
    assert err == "csba: 未知角色“boss”；请使用：agent, seller\n"


def test_the_demo_seed_creates_one_agent_and_one_seller_once(
    db_url, monkeypatch, capsys
):
    monkeypatch.setenv("DATABASE_URL", db_url)

    assert main(["db", "seed"]) == 0
    first = capsys.readouterr().out
    assert main(["db", "seed"]) == 0
    second = capsys.readouterr().out

    agent_line = "Web app agent account: agent / agent-demo-pass"
    seller_line = "Web app seller account for S-100: seller-s100 / seller-demo-pass"
    for out in (first, second):
        assert agent_line in out and seller_line in out
    assert sign_in(db_url, "agent", "agent-demo-pass").role == "agent"
    seller = sign_in(db_url, "seller-s100", "seller-demo-pass")
    assert (seller.role, seller.seller_id, seller.language) == ("seller", "S-100", "zh")
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        assert users.get_user(session, 3) is None  # the second seed added nobody
    engine.dispose()
