"""The secrets between the bot's own processes: the action server's token
(bot/entrypoints/actions_server.py) and Rasa's API token kept off the command
line (bot/entrypoints/rasa/runtime/__main__.py)."""

from __future__ import annotations

import subprocess
import sys

from bot.entrypoints import actions_server
from bot.entrypoints.rasa.runtime.__main__ import api_token_arguments


def test_the_token_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CSBA_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CSBA_ACTION_TOKEN", "from-the-environment")
    assert actions_server.token() == "from-the-environment"
    assert not (tmp_path / actions_server.TOKEN_FILE_NAME).exists()


def test_without_it_one_is_kept_in_var_for_its_owner_only(monkeypatch, tmp_path):
    monkeypatch.setenv("CSBA_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("CSBA_ACTION_TOKEN", raising=False)
    first = actions_server.token()
    assert len(first) >= 32
    assert actions_server.token() == first  # the same for every process
    path = tmp_path / actions_server.TOKEN_FILE_NAME
    assert (path.stat().st_mode & 0o777) == 0o600


def test_a_short_or_empty_token_is_refused(monkeypatch, tmp_path):
    import pytest

    monkeypatch.setenv("CSBA_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CSBA_ACTION_TOKEN", "short")
    with pytest.raises(OSError, match="CSBA_ACTION_TOKEN"):
        actions_server.token()
    monkeypatch.delenv("CSBA_ACTION_TOKEN")
    (tmp_path / actions_server.TOKEN_FILE_NAME).write_text("")
    with pytest.raises(OSError, match="action-token"):
        actions_server.token()
    # and the server does not start: a one-line error, exit status 2
    run = [sys.executable, "-m", "bot.entrypoints.actions_server", "--print-token"]
    env = {"CSBA_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(run, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "shorter than" in done.stderr


def test_print_token_prints_what_the_server_uses(tmp_path):
    env = {"CSBA_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "bot.entrypoints.actions_server", "--print-token"]
    printed = [
        subprocess.run(run, env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    stored = (tmp_path / actions_server.TOKEN_FILE_NAME).read_text().strip()
    assert [p.stdout.strip() for p in printed] == [stored, stored]


def test_only_the_bearer_token_is_authorised():
    assert actions_server.authorised("Bearer s3cret", "s3cret")
    for header in (None, "", "s3cret", "Bearer", "Bearer s3cre", "bearer s3cret"):
        assert not actions_server.authorised(header, "s3cret")


def test_rasas_api_token_goes_to_run_from_the_environment(monkeypatch):
    monkeypatch.setenv("RASA_TOKEN", "t0ken")
    assert api_token_arguments(["run", "--enable-api"]) == [
        "run",
        "--enable-api",
        "--auth-token",
        "t0ken",
    ]
    # a token given, another command, or no token: unchanged
    given = ["run", "--auth-token", "other"]
    assert api_token_arguments(given) == given
    assert api_token_arguments(["shell", "-m", "models"]) == ["shell", "-m", "models"]
    monkeypatch.delenv("RASA_TOKEN")
    assert api_token_arguments(["run"]) == ["run"]
