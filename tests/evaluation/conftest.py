"""Fixtures of the evaluation tests: the bot's trained model.

The model is the bot's own (`bot.entrypoints.training.ensure_model()`: trained only when
config.yml, domain.yml or data/ changed, and shared with the other slow tests).
CSBA_E2E_MODEL=<file> uses that model instead, as tests/e2e does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT


@pytest.fixture(scope="session")
def trained_model() -> Path:
    override = os.environ.get("CSBA_E2E_MODEL")
    if override:
        return Path(override).resolve()
    from bot.entrypoints.training import ensure_model

    return ensure_model()


def run_eval(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """`python -m tools.evaluation`, as a developer runs it, from the project root."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run(
        [sys.executable, "-m", "tools.evaluation", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
