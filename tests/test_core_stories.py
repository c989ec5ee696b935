"""`rasa test core` over tests/test_stories.yml: one story per route and reason code.

Runs the model of the current config, domain and data (`bot.entrypoints.training.ensure_model`,
which trains only when they changed) with `--fail-on-prediction-errors`: without
it Rasa 3.6 exits 0 even when stories fail. On failure the message shows the
stories Rasa could not follow (`failed_test_stories.yml`, with the wrong
predictions marked) and the end of Rasa's output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

STORIES = PROJECT_ROOT / "tests" / "test_stories.yml"


def _rasa() -> list[str]:
    executable = Path(sys.executable).parent / "rasa"
    return [str(executable)] if executable.exists() else [sys.executable, "-m", "rasa"]


@pytest.mark.skipif(not STORIES.exists(), reason="tests/test_stories.yml is missing")
def test_every_test_story_is_predicted(tmp_path: Path, capsys: pytest.CaptureFixture):
    import time

    from bot.entrypoints.training import ensure_model

    started = time.monotonic()
    model = ensure_model()
    if time.monotonic() - started > 10:
        with capsys.disabled():
            print(f"\n{model.name} trained in {time.monotonic() - started:.0f} s")
    out = tmp_path / "results"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [
            *_rasa(),
            "test",
            "core",
            "--stories",
            str(STORIES),
            "--fail-on-prediction-errors",
            "-m",
            str(model),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    if done.returncode != 0:
        failed = out / "failed_test_stories.yml"
        stories = failed.read_text(encoding="utf-8") if failed.exists() else "(none)"
        output = (done.stdout + done.stderr)[-4000:]
        pytest.fail(
            f"rasa test core exited {done.returncode} with {model.name}\n"
            f"--- failed stories ---\n{stories[:8000]}\n--- rasa output ---\n{output}"
        )
