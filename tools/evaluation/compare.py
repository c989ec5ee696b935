"""Our NLU against two baselines, on the same folds (`python -m tools.evaluation
compare`, `make eval`).

Systems:
- `ours`: config.yml's pipeline;
- `rasa_default`: the pipeline `rasa init` writes, taken from Rasa's installed
  project template (`rasa/cli/initial_project/config.yml`) and completed with
  Rasa's own default configuration exactly as `rasa train` does for it;
- `tfidf_lr`: scikit-learn TF-IDF (word 1-2-grams and char_wb 1-4-grams) and
  logistic regression with scikit-learn's defaults.

Cross-validation: the intent examples of data/nlu/*.yml (regexes, lookups and
synonyms go with every fold) in `folds` stratified folds (fixed seed). Each Rasa
system trains NLU only, per fold, in a child process (`python -m
tools.evaluation.compare worker`: `rasa.model_training.train_nlu` into a temporary
folder with the component cache off, then parse the fold's test texts), so the
models never share memory or cache. The held-out file is scored by the bot's own
model (`ours`), by the default pipeline trained on all the training data, and by
TF-IDF fitted on it. Last, a full `rasa train` with `RASA_MAX_CACHE_SIZE=0` into a
temporary folder gives the training time (target: 5 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT, var_dir
from tools.evaluation.datasets import HELDOUT, EvalError, domain_intents, read_examples
from tools.evaluation.metrics import NluScores, score
from tools.evaluation.nlu import (
    Prediction,
    parse_intents,
    quiet_rasa_environment,
    resolve_model,
)

SYSTEMS = ("ours", "rasa_default", "tfidf_lr")
RASA_SYSTEMS = ("ours", "rasa_default")
CONFIG = PROJECT_ROOT / "config.yml"
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
TRAINING_TARGET_SECONDS = 300.0
EPOCH_COMPONENTS = ("DIETClassifier", "ResponseSelector", "TEDPolicy")


# ---------------------------------------------------------------- configurations


def our_config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def rasa_init_config() -> dict[str, Any]:
    """The config of a `rasa init` project, as `rasa train` completes it."""
    from rasa.cli.scaffold import scaffold_path
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.utils.io import read_config_file

    template = read_config_file(str(Path(scaffold_path()) / "config.yml"))
    missing = {key for key in ("pipeline", "policies") if not template.get(key)}
    return DefaultV1Recipe.complete_config(template, missing)


def cap_epochs(config: dict[str, Any], max_epochs: int | None) -> dict[str, Any]:
    """A copy with at most `max_epochs` epochs per trained component (development)."""
    config = copy.deepcopy(config)
    if max_epochs is None:
        return config
    for section in ("pipeline", "policies"):
        for component in config.get(section) or []:
            if "epochs" in component or component.get("name") in EPOCH_COMPONENTS:
                component["epochs"] = min(int(component.get("epochs", 300)), max_epochs)
    return config


# ---------------------------------------------------------------- data


@dataclass(frozen=True)
class Pool:
    """The training data: Rasa's TrainingData plus its intent examples."""

    data: Any  # rasa TrainingData (regexes, lookups, synonyms)
    messages: tuple[Any, ...]
    texts: tuple[str, ...]
    intents: tuple[str, ...]


def load_pool(per_intent: int | None = None, seed: int = 42) -> Pool:
    """The intent examples of data/nlu; `per_intent` keeps a seeded sample of each."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU_DIR))
    messages = list(data.intent_examples)
    if per_intent is not None:
        by_intent: dict[str, list[Any]] = defaultdict(list)
        for message in messages:
            by_intent[message.get("intent")].append(message)
        rng = random.Random(seed)
        messages = []
        for intent in sorted(by_intent):
            group = by_intent[intent]
            messages += rng.sample(group, min(per_intent, len(group)))
    return Pool(
        data=data,
        messages=tuple(messages),
        texts=tuple(m.get("text") for m in messages),
        intents=tuple(m.get("intent") for m in messages),
    )


def write_nlu_yaml(pool: Pool, indices: Sequence[int], path: Path) -> Path:
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    subset = TrainingData(
        training_examples=[pool.messages[i] for i in indices],
        entity_synonyms=pool.data.entity_synonyms,
        regex_features=pool.data.regex_features,
        lookup_tables=pool.data.lookup_tables,
    )
    RasaYAMLWriter().dump(str(path), subset)
    return path


def stratified_folds(
    intents: Sequence[str], folds: int, seed: int
) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    smallest = min(intents.count(i) for i in set(intents))
    if folds < 2 or smallest < folds:
        raise EvalError("eval.error.bad_folds", folds=folds, smallest=smallest)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [
        (list(train), list(test))
        for train, test in splitter.split(list(intents), list(intents))
    ]


# ---------------------------------------------------------------- the systems


def tfidf_lr_predict(
    train_texts: Sequence[str],
    train_intents: Sequence[str],
    test_texts: Sequence[str],
    seed: int,
) -> list[Prediction]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    model = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True),
        ),
        LogisticRegression(max_iter=2000, random_state=seed),
    )
    model.fit(list(train_texts), list(train_intents))
    probabilities = model.predict_proba(list(test_texts))
    classes = model.classes_
    return [
        Prediction(intent=str(classes[row.argmax()]), confidence=float(row.max()))
        for row in probabilities
    ]


def _worker_env() -> dict[str, str]:
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", RASA_MAX_CACHE_SIZE="0")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def rasa_train_and_parse(
    *,
    workdir: Path,
    texts: Sequence[str],
    log: Path,
    label: str,
    config: Path | None = None,
    nlu: Path | None = None,
    model: Path | None = None,
) -> tuple[list[Prediction], float]:
    """In a child process: train NLU (config + nlu) or take `model`, then parse.

    Returns the predictions and the training seconds (0 for a given model).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    texts_file = workdir / "texts.json"
    texts_file.write_text(json.dumps(list(texts), ensure_ascii=False), encoding="utf-8")
    out = workdir / "predictions.json"
    command = [sys.executable, "-m", "tools.evaluation.compare", "worker",
               "--texts", str(texts_file), "--out", str(out),
               "--workdir", str(workdir)]  # fmt: skip
    if model is not None:
        command += ["--model", str(model)]
    else:
        command += ["--config", str(config), "--nlu", str(nlu)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as handle:
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=_worker_env(),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0 or not out.is_file():
        raise EvalError(
            "eval.error.training_failed",
            what=label,
            code=result.returncode,
            log=str(log),
        )
    payload = json.loads(out.read_text(encoding="utf-8"))
    predictions = [
        Prediction(intent, confidence) for intent, confidence in payload["predictions"]
    ]
    return predictions, float(payload["seconds"])


def worker(argv: Sequence[str]) -> int:
    """The child process of `rasa_train_and_parse`."""
    parser = argparse.ArgumentParser(prog="python -m tools.evaluation.compare worker")
    parser.add_argument("--texts", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--model")
    parser.add_argument("--config")
    parser.add_argument("--nlu")
    args = parser.parse_args(argv)
    texts = json.loads(Path(args.texts).read_text(encoding="utf-8"))
    seconds = 0.0
    model = args.model
    if model is None:
        from rasa.model_training import train_nlu

        started = time.monotonic()
        model = train_nlu(
            config=args.config,
            nlu_data=args.nlu,
            output=str(Path(args.workdir) / "model"),
            fixed_model_name="nlu",
        )
        seconds = time.monotonic() - started
        if not model:  # Rasa has logged why
            return 1
    predictions = parse_intents(Path(model), texts)
    Path(args.out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "predictions": [[p.intent, p.confidence] for p in predictions],
            }
        ),
        encoding="utf-8",
    )
    return 0


# ---------------------------------------------------------------- the comparison


@dataclass
class SystemResult:
    system: str
    fold_scores: list[NluScores] = field(default_factory=list)
    fold_seconds: list[float] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)  # pooled over the folds
    predicted: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    pooled: NluScores | None = None
    heldout: NluScores | None = None


@dataclass
class Comparison:
    folds: int
    seed: int
    n_examples: int
    per_intent: int | None
    max_epochs: int | None
    heldout_file: Path
    bot_model: Path
    systems: dict[str, SystemResult]
    rasa_default_config: dict[str, Any]
    training_seconds: float | None = None
    seconds: float = 0.0


def logs_dir() -> Path:
    return var_dir() / "eval" / "logs"


def run_comparison(
    *,
    folds: int = 5,
    seed: int = 42,
    per_intent: int | None = None,
    max_epochs: int | None = None,
    heldout: Path = HELDOUT,
    model: Path | None = None,
    time_training: bool = True,
    progress: Callable[..., Any] | None = None,
) -> Comparison:
    """Cross-validate the three systems on the same folds, score the held-out file,
    and time a full training. Checks every input before training anything."""
    quiet_rasa_environment()
    started = time.monotonic()
    known = domain_intents()
    heldout_examples = read_examples(heldout)
    bot_model = resolve_model(model)
    pool = load_pool(per_intent, seed)
    splits = stratified_folds(pool.intents, folds, seed)
    configs = {
        "ours": cap_epochs(our_config(), max_epochs),
        "rasa_default": cap_epochs(rasa_init_config(), max_epochs),
    }
    results = {system: SystemResult(system) for system in SYSTEMS}
    steps = folds * len(SYSTEMS) + len(SYSTEMS) + int(time_training)
    bar = progress(total=steps) if progress else None

    def step(description: str) -> None:
        if bar is not None:
            bar.set_description(description)

    def done() -> None:
        if bar is not None:
            bar.update(1)

    logs = logs_dir()
    with tempfile.TemporaryDirectory(prefix="csba-eval-") as tmp_name:
        tmp = Path(tmp_name)
        config_files = {}
        for system, config in configs.items():
            config_files[system] = tmp / f"config-{system}.yml"
            config_files[system].write_text(
                yaml.safe_dump(config, sort_keys=False), encoding="utf-8"
            )
        for k, (train, test) in enumerate(splits, start=1):
            fold_dir = tmp / f"fold{k}"
            fold_dir.mkdir()
            nlu = write_nlu_yaml(pool, train, fold_dir / "train.yml")
            test_texts = [pool.texts[i] for i in test]
            gold = [pool.intents[i] for i in test]
            for system in SYSTEMS:
                step(f"fold {k}/{folds} {system}")
                if system == "tfidf_lr":
                    begin = time.monotonic()
                    predictions = tfidf_lr_predict(
                        [pool.texts[i] for i in train],
                        [pool.intents[i] for i in train],
                        test_texts,
                        seed,
                    )
                    seconds = time.monotonic() - begin
                else:
                    predictions, seconds = rasa_train_and_parse(
                        workdir=fold_dir / system,
                        texts=test_texts,
                        log=logs / f"{system}-fold{k}.log",
                        label=f"{system} fold {k}",
                        config=config_files[system],
                        nlu=nlu,
                    )
                result = results[system]
                predicted = [p.intent for p in predictions]
                result.fold_scores.append(
                    score(gold, predicted, test_texts, known_intents=known)
                )
                result.fold_seconds.append(seconds)
                result.gold += gold
                result.predicted += predicted
                result.texts += test_texts
                done()

        heldout_texts = [e.text for e in heldout_examples]
        heldout_gold = [e.intent for e in heldout_examples]
        everything = list(range(len(pool.texts)))
        full_nlu = write_nlu_yaml(pool, everything, tmp / "train-all.yml")
        for system in SYSTEMS:
            step(f"held-out {system}")
            if system == "ours":
                predictions, _ = rasa_train_and_parse(
                    workdir=tmp / "heldout-ours",
                    texts=heldout_texts,
                    log=logs / "ours-heldout.log",
                    label="ours held-out",
                    model=bot_model,
                )
            elif system == "rasa_default":
                predictions, _ = rasa_train_and_parse(
                    workdir=tmp / "heldout-rasa_default",
                    texts=heldout_texts,
                    log=logs / "rasa_default-heldout.log",
                    label="rasa_default held-out",
                    config=config_files[system],
                    nlu=full_nlu,
                )
            else:
                predictions = tfidf_lr_predict(
                    pool.texts, pool.intents, heldout_texts, seed
                )
            results[system].heldout = score(
                heldout_gold,
                [p.intent for p in predictions],
                heldout_texts,
                known_intents=known,
            )
            done()

        training_seconds = None
        if time_training:
            step("full rasa train, no cache")
            training_seconds = time_full_training(tmp, logs / "rasa-train-no-cache.log")
            done()
    if bar is not None:
        bar.close()

    for result in results.values():
        result.pooled = score(
            result.gold, result.predicted, result.texts, known_intents=known
        )
    return Comparison(
        folds=folds,
        seed=seed,
        n_examples=len(pool.texts),
        per_intent=per_intent,
        max_epochs=max_epochs,
        heldout_file=heldout,
        bot_model=bot_model,
        systems=results,
        rasa_default_config=configs["rasa_default"],
        training_seconds=training_seconds,
        seconds=time.monotonic() - started,
    )


def time_full_training(workdir: Path, log: Path) -> float:
    """Seconds of a full `rasa train` with the component cache off (bot.entrypoints.training)."""
    from bot.entrypoints.training import MODEL_SUFFIX, TrainingError, train

    log.parent.mkdir(parents=True, exist_ok=True)
    target = workdir / "timing" / f"csba-timing{MODEL_SUFFIX}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as handle:
        try:
            return train(target, no_cache=True, log=handle)
        except TrainingError:
            raise EvalError(
                "eval.error.training_failed", what="rasa train", code=1, log=str(log)
            ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m tools.evaluation.compare worker ...`: the child process only."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] != ["worker"]:
        return 2
    return worker(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
