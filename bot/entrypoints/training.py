"""Train the Rasa model only when its inputs changed.

`model_fingerprint()` is a SHA-256 over `config.yml`, `domain.yml`, every
`data/**/*.yml`, the out-of-scope gate's own examples (`data/gate/*.tsv`, which
are checked before Rasa starts: a bad line stops training at once, named) and
the source of the pipeline's trainable component (the out-of-scope gate: what
it saves changes with its code) (sorted relative paths and their bytes). The
model trained from those inputs is `models/csba-<fingerprint[:12]>.tar.gz`;
`ensure_model()` returns it when it exists and otherwise runs

    rasa train --fixed-model-name csba-<fp12> --out <temporary dir under models/>

and moves the result into place, so a half-written model is never picked up.
A lock file (`models/.training.lock`) makes concurrent callers (`make run`, the
end-to-end tests, `make shell`) wait for one training instead of running two at
once on a 2-core machine. Older `csba-*.tar.gz` files are pruned: the newest
`KEEP_MODELS` stay.

    python -m bot.entrypoints.training [--force] [--no-cache]

`--force` retrains even when the model exists; `--no-cache` also sets
`RASA_MAX_CACHE_SIZE=0`, so Rasa's component cache (`.rasa/cache`) is not used
and every component really trains (this is the honest "full training" time).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from bot.config import PROJECT_ROOT
from bot.nlp.domain_gate import (
    EXAMPLES_DIR,
    GateError,
    example_files,
    read_example_files,
)

MODEL_PREFIX = "csba-"
MODEL_SUFFIX = ".tar.gz"
KEEP_MODELS = 2
LOCK_NAME = ".training.lock"
FINGERPRINT_CHARS = 12


class TrainingError(RuntimeError):
    """`rasa train` failed (the message names the exit code), or its inputs
    would make it fail (the message names the file and line)."""


# The code of the pipeline's trainable component: what it saves into the model.
COMPONENT_SOURCES = ("bot/nlp/domain_gate.py", "bot/entrypoints/rasa/domain_gate.py")


def training_inputs(root: Path = PROJECT_ROOT) -> list[Path]:
    """config.yml, domain.yml, data/**/*.yml, data/gate/*.tsv and
    COMPONENT_SOURCES, sorted by relative path."""
    root = Path(root)
    files = [root / "config.yml", root / "domain.yml"]
    files += [root / source for source in COMPONENT_SOURCES]
    data = root / "data"
    if data.is_dir():
        files += [p for p in data.rglob("*.yml") if p.is_file()]
        # the out-of-scope gate's own examples (bot/entrypoints/rasa/domain_gate.py)
        files += example_files(root / EXAMPLES_DIR)
    present = [p for p in files if p.is_file()]
    return sorted(present, key=lambda p: p.relative_to(root).as_posix())


def model_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """SHA-256 (hex) over the sorted relative paths and contents of the inputs."""
    root = Path(root)
    digest = hashlib.sha256()
    for path in training_inputs(root):
        rel = path.relative_to(root).as_posix().encode("utf-8")
        content = path.read_bytes()
        # Length-prefixed, so that moving bytes between a path and a file (or
        # between two files) always changes the fingerprint.
        for chunk in (rel, content):
            digest.update(len(chunk).to_bytes(8, "big"))
            digest.update(chunk)
    return digest.hexdigest()


def model_name(fingerprint: str) -> str:
    return f"{MODEL_PREFIX}{fingerprint[:FINGERPRINT_CHARS]}"


def _models_dir(models_dir: str | Path) -> Path:
    path = Path(models_dir)
    return path if path.is_absolute() else PROJECT_ROOT / path


@contextlib.contextmanager
def _training_lock(models: Path, out: TextIO) -> Iterator[None]:
    models.mkdir(parents=True, exist_ok=True)
    with open(models / LOCK_NAME, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                "bot.entrypoints.training: another process is training; waiting for it",
                file=out,
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune_models(
    models_dir: str | Path = "models",
    keep: int = KEEP_MODELS,
    protect: Path | None = None,
) -> list[Path]:
    """Delete all but the newest `keep` csba-*.tar.gz (never `protect`)."""
    models = _models_dir(models_dir)
    candidates = sorted(
        models.glob(f"{MODEL_PREFIX}*{MODEL_SUFFIX}"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = []
    for path in candidates[keep:]:
        if protect is not None and path.resolve() == protect.resolve():
            continue
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def _fd(stream: TextIO | None) -> int | None:
    """The file descriptor of `stream` for a child process (None: inherit)."""
    if stream is None:
        return None
    try:
        stream.flush()
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation too
        return None


def _rasa_command() -> list[str]:
    return [sys.executable, "-m", "rasa"]


def train(target: Path, *, no_cache: bool = False, log: TextIO | None = None) -> float:
    """Run `rasa train` into `target` (a path ending in .tar.gz); return seconds.

    Rasa's output and the timing go to `log` (default: this process's stdout).
    """
    out = log if log is not None else sys.stdout
    models = target.parent
    name = target.name[: -len(MODEL_SUFFIX)]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # TensorFlow's multi-threaded kernels sum in whatever order the threads end:
    # with the same seed, two trainings gave different models (a CI run's model
    # took "silicone bags came ripped open, order ..." for a bare order number,
    # the previous one had not; on 300 real-traffic messages, two trainings
    # disagreed on 27 intents). With deterministic kernels, two trainings of the
    # same data give the same predictions to the last digit (300 of 300, largest
    # confidence difference 0), in the same time (161-190 s without the cache).
    env.setdefault("TF_DETERMINISTIC_OPS", "1")
    if no_cache:
        env["RASA_MAX_CACHE_SIZE"] = "0"
    with tempfile.TemporaryDirectory(prefix=".training-", dir=models) as tmp:
        command = [
            *_rasa_command(),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--fixed-model-name",
            name,
            "--out",
            tmp,
        ]
        print(
            f"bot.entrypoints.training: training {target.name} ...",
            file=out,
            flush=True,
        )
        start = time.monotonic()
        stream = _fd(log)
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            check=False,
            stdout=stream,
            stderr=stream,
        )
        seconds = time.monotonic() - start
        produced = Path(tmp) / target.name
        if result.returncode != 0 or not produced.is_file():
            raise TrainingError(
                f"rasa train exited with {result.returncode} after {seconds:.0f} s"
                + ("" if produced.is_file() else f"; no {produced.name} was written")
            )
        os.replace(produced, target)
    mode = "no cache" if no_cache else "with the component cache"
    print(
        f"bot.entrypoints.training: trained {target.name} in {seconds:.1f} s "
        f"({int(seconds // 60)}m{int(seconds % 60):02d}s, {mode})",
        file=out,
        flush=True,
    )
    return seconds


def check_gate_examples(root: Path = PROJECT_ROOT) -> None:
    """Raise TrainingError, naming the file and line, when the out-of-scope
    gate's own examples (data/gate/*.tsv) would stop `rasa train` midway."""
    try:
        read_example_files(Path(root) / EXAMPLES_DIR)
    except GateError as exc:
        raise TrainingError(str(exc)) from exc


def ensure_model(
    models_dir: str | Path = "models",
    *,
    force: bool = False,
    no_cache: bool = False,
    log: TextIO | None = None,
) -> Path:
    """The model for the current config, domain and data; trained if missing.

    Training output goes to `log` (default stdout).
    """
    out = log if log is not None else sys.stdout
    models = _models_dir(models_dir)
    target = models / f"{model_name(model_fingerprint())}{MODEL_SUFFIX}"
    if target.is_file() and not force:
        return target
    with _training_lock(models, out):
        # Someone else may have trained it while we waited for the lock.
        if force or not target.is_file():
            check_gate_examples()
            train(target, no_cache=no_cache, log=out)
        else:
            print(
                f"bot.entrypoints.training: {target.name} was trained meanwhile",
                file=out,
            )
        os.utime(target)  # the newest, whatever pruning happens next
        prune_models(models, protect=target)
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.entrypoints.training",
        description="Train the Rasa model when config.yml, domain.yml or data/ changed.",
    )
    parser.add_argument(
        "--force", action="store_true", help="retrain even if the model exists"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="RASA_MAX_CACHE_SIZE=0: retrain every component (the full training time)",
    )
    parser.add_argument(
        "--print-path",
        action="store_true",
        help="print only the model's path on stdout (training output goes to stderr)",
    )
    parser.add_argument("--models-dir", default="models")
    args = parser.parse_args(argv)
    out = sys.stderr if args.print_path else sys.stdout
    models = _models_dir(args.models_dir)
    expected = models / f"{model_name(model_fingerprint())}{MODEL_SUFFIX}"
    existed = expected.is_file()
    try:
        path = ensure_model(
            args.models_dir, force=args.force, no_cache=args.no_cache, log=out
        )
    except TrainingError as exc:
        print(f"bot.entrypoints.training: {exc}", file=sys.stderr)
        return 1
    if existed and not args.force:
        print(
            f"bot.entrypoints.training: {path.name} is up to date (its inputs are unchanged)",
            file=out,
        )
    # The path on stdout's last line; alone with --print-path: `$(... --print-path)`.
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
