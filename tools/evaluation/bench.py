"""Load benchmark: simulated buyers over REST, ours against a bare Rasa bot.

`run_benchmark` starts the CSBA stack (tools.evaluation.stack: real `rasa run` and
action server over a temporary database with the demo data), warms it up with
one pass of every conversation, then for each concurrency level runs that many
simulated buyers at once for `duration` seconds. Each buyer goes through the
scripted conversations below back to back (closed loop, no think time), posting
to the project's token channel: with a freshly signed token for a known buyer,
or anonymously with the order's ZIP code. Then the same for a bare `rasa init`
bot (its own greet/mood conversations, Rasa's plain REST channel), one bot at a
time so that they never share the 2 cores.

One run of a level cannot decide the p95 target: on this kind of machine the
same 60 s at 10 buyers differs by a third from run to run, for either bot. So
`rounds` > 1 repeats the 10-buyer level, each bot started afresh, the bare bot
first in every other round (so that a drift of the machine falls on both), and
the target is judged on the median of the rounds' p95 ratios.

Per level: p50/p95/p99 round trip of a message, messages per second, errors
(HTTP status other than 200, timeouts, transport errors, an empty reply, or the
bot's "can't reach your order" reply), conversations whose replies missed the
expected word, and the peak RSS of each process (sampled from /proc every half
second; the kernel's high-water mark over the whole run is reported too).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.config import PROJECT_ROOT, var_dir
from bot.entrypoints.rasa.channels.identity_resolution import CHAT_TOKEN_HEADER
from tools.evaluation.metrics import percentile
from tools.evaluation.nlu import resolve_model
from tools.evaluation.stack import (
    RunningBot,
    bare_model,
    bare_rasa_project,
    start_bare_stack,
    start_csba_stack,
)

DEFAULT_CONCURRENCY = (1, 10, 50)
DEFAULT_DURATION = 60.0
P95_RATIO_TARGET = 1.3  # ours / bare at TARGET_CONCURRENCY
TARGET_CONCURRENCY = 10
ZERO_ERRORS_AT = 50


@dataclass(frozen=True)
class Script:
    """A conversation: the buyer's messages in order, and a word the bot must say."""

    name: str
    turns: tuple[str, ...]
    buyer: str | None = None  # a demo buyer with a signed token; None: anonymous
    expect: str | None = None  # case-insensitive, somewhere in the replies


# Routes of data/demo/examples.json at the demo clock (tools.devstack.DEMO_NOW).
CSBA_SCRIPTS = (
    Script("delivery status (token)", ("hi", "Where is my order 112-0000003-0000003?",
           "thanks!"), buyer="B-1", expect="USPS"),
    Script("return with ZIP check (anonymous)", ("hello",
           "I want to return order 112-0000001-0000001", "98101", "thank you, bye"),
           expect="until the end of"),
    Script("product question (token)", ("is the tumbler dishwasher safe?", "yes",
           "112-0000001-0000001", "B0HRTH0001"), buyer="B-1", expect="dishwasher"),
    Script("late delivery, seller case (token)",
           ("My order 113-0000004-0000004 is late, where is it?", "ok thanks"),
           buyer="B-2", expect="hear back from us"),  # new case or joined
    Script("cancel after shipping (anonymous)",
           ("Please cancel order 112-0000003-0000003", "98101", "bye"),
           expect="already shipped"),
    Script("pre-order question (anonymous)",
           ("Do you have the tumbler in white before I buy?", "thanks"),
           expect="Contact seller"),
    Script("damaged item (token)", ("The lid arrived cracked", "112-0000001-0000001"),
           buyer="B-1", expect="sorry"),
)  # fmt: skip

# The `rasa init` bot's own topics: greet, mood, did that help, goodbye.
BARE_SCRIPTS = (
    Script("sad", ("hi", "I am sad", "yes", "bye"), expect="carry on"),
    Script("happy", ("hello", "I am great", "bye"), expect="carry on"),
    Script("still sad", ("good morning", "very sad", "no", "goodbye"), expect="bye"),
)  # fmt: skip


def unavailable_texts() -> frozenset[str]:
    """What the bot says when it cannot run its actions (counted as an error)."""
    from bot.adapters.catalogue import BUYER_LANGUAGES, SUPPORTED_LANGUAGES, t

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    texts = {
        v["text"] for v in domain["responses"].get("utter_service_unavailable", [])
    }
    languages = set(SUPPORTED_LANGUAGES) | set(BUYER_LANGUAGES)
    texts |= {t("chat.service_unavailable", lang) for lang in languages}
    return frozenset(texts)


# ---------------------------------------------------------------- results


@dataclass
class LevelResult:
    concurrency: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)  # seconds
    messages: int = 0
    errors: Counter = field(default_factory=Counter)
    conversations: int = 0
    off_script: Counter = field(default_factory=Counter)  # script name -> count
    peak_rss_mb: dict[str, float] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        ok = self.messages - self.error_count
        return ok / self.seconds if self.seconds else 0.0

    def latency_ms(self, fraction: float) -> float | None:
        if not self.latencies:
            return None
        return percentile(sorted(self.latencies), fraction) * 1000


@dataclass
class BotRun:
    name: str  # "ours" or "bare"
    model: Path
    startup_seconds: float
    levels: list[LevelResult]
    peak_rss_mb: dict[str, float]  # VmHWM per role (rasa, actions), whole run
    warmup_off_script: list[str]

    def level(self, concurrency: int) -> LevelResult | None:
        return next((lv for lv in self.levels if lv.concurrency == concurrency), None)


@dataclass(frozen=True)
class Round:
    """One more round of TARGET_CONCURRENCY buyers, each bot started afresh."""

    ours: LevelResult
    bare: LevelResult


@dataclass
class Benchmark:
    concurrency: tuple[int, ...]
    duration: float
    ours: BotRun
    bare: BotRun | None
    seconds: float
    repeats: list[Round] = field(default_factory=list)
    rounds: int = 1  # asked for; the extra ones need the bare bot and 10 buyers


# ---------------------------------------------------------------- the driver


class Driver:
    """Posts scripted conversations to one running bot and records every message."""

    def __init__(
        self,
        bot: RunningBot,
        scripts: Sequence[Script],
        *,
        timeout: float,
        unavailable: frozenset[str] = frozenset(),
    ) -> None:
        self.bot = bot
        self.scripts = scripts
        self.timeout = timeout
        self.unavailable = unavailable

    def _identity(self, script: Script) -> tuple[dict[str, str], str]:
        """The first message's headers: a buyer token, or none (our channel then
        opens an anonymous conversation and returns its token, see `_post`); and
        a `sender` of the conversation's own, which only the bare bot's plain
        `rest` channel reads (ours ignores it)."""
        sender = f"bench-{uuid.uuid4().hex[:16]}"
        if script.buyer is None:
            return {}, sender
        from bot.services.identity import issue_buyer_token

        token = issue_buyer_token(script.buyer, secret=self.bot.jwt_secret)
        return {"Authorization": f"Bearer {token}"}, sender

    async def _post(
        self,
        client: httpx.AsyncClient,
        text: str,
        headers: dict[str, str],
        sender: str,
        result: LevelResult | None,
    ) -> list[dict[str, Any]]:
        """One message; an anonymous conversation's token (the reply's
        X-CSBA-Chat-Token) goes into `headers` for the next one."""
        body: dict[str, Any] = {"message": text, "sender": sender}
        started = time.perf_counter()
        error = None
        messages: list[dict[str, Any]] = []
        try:
            response = await client.post(
                self.bot.webhook_url, json=body, headers=headers, timeout=self.timeout
            )
        except httpx.TimeoutException:
            error = "timeout"  # the buyer waited all that time: a latency too
            if result is not None:
                result.latencies.append(time.perf_counter() - started)
        except httpx.HTTPError as exc:
            error = exc.__class__.__name__
        else:
            elapsed = time.perf_counter() - started
            if result is not None:
                result.latencies.append(elapsed)
            issued = response.headers.get(CHAT_TOKEN_HEADER)
            if issued:
                headers["Authorization"] = f"Bearer {issued}"
            if response.status_code != 200:
                error = f"HTTP {response.status_code}"
            else:
                try:
                    messages = response.json()
                except ValueError:
                    error = "not JSON"
                else:
                    if not isinstance(messages, list) or not messages:
                        error = "no reply"
                        messages = []
                    elif any(m.get("text") in self.unavailable for m in messages):
                        error = "actions unavailable"
        if result is not None:
            result.messages += 1
            if error:
                result.errors[error] += 1
        return messages

    async def conversation(
        self,
        client: httpx.AsyncClient,
        script: Script,
        result: LevelResult | None,
        deadline: float | None = None,
    ) -> bool | None:
        """True/False: the replies had the expected word; None: cut off at the deadline."""
        headers, sender = self._identity(script)
        said = []
        for text in script.turns:
            if deadline is not None and time.monotonic() >= deadline:
                return None
            for message in await self._post(client, text, headers, sender, result):
                said.append(message.get("text") or "")
        if result is not None:
            result.conversations += 1
        ok = script.expect is None or script.expect.lower() in "\n".join(said).lower()
        if not ok and result is not None:
            result.off_script[script.name] += 1
        return ok

    async def warm_up(self) -> list[str]:
        """One pass of every script, unrecorded; the names of those off script."""
        async with httpx.AsyncClient() as client:
            return [
                script.name
                for script in self.scripts
                if await self.conversation(client, script, None) is False
            ]

    async def level(
        self, concurrency: int, duration: float, sample: Callable[[], dict[str, float]]
    ) -> LevelResult:
        result = LevelResult(concurrency)
        limits = httpx.Limits(
            max_connections=concurrency + 5, max_keepalive_connections=concurrency + 5
        )
        started = time.monotonic()
        deadline = started + duration

        async def buyer(index: int) -> None:
            scripts = itertools.islice(
                itertools.cycle(self.scripts), index % len(self.scripts), None
            )
            for script in scripts:
                if time.monotonic() >= deadline:
                    return
                await self.conversation(client, script, result, deadline)

        async def sampler() -> None:
            while True:
                for name, mb in (await asyncio.to_thread(sample)).items():
                    result.peak_rss_mb[name] = max(
                        result.peak_rss_mb.get(name, 0.0), mb
                    )
                await asyncio.sleep(0.5)

        async with httpx.AsyncClient(limits=limits) as client:
            sampling = asyncio.create_task(sampler())
            try:
                await asyncio.gather(*(buyer(i) for i in range(concurrency)))
            finally:
                sampling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampling
        result.seconds = time.monotonic() - started
        return result


def _drive(
    bot: RunningBot,
    name: str,
    model: Path,
    scripts: Sequence[Script],
    *,
    concurrency: Sequence[int],
    duration: float,
    timeout: float,
    unavailable: frozenset[str],
    bar: Any = None,
) -> BotRun:
    driver = Driver(bot, scripts, timeout=timeout, unavailable=unavailable)

    def sample() -> dict[str, float]:
        return {service.role: service.rss_mb() for service in bot.services}

    warmup_off_script = asyncio.run(driver.warm_up())
    levels = []
    for buyers in concurrency:
        if bar is not None:
            bar.set_description(f"{name}: {buyers} buyers")
        levels.append(asyncio.run(driver.level(buyers, duration, sample)))
        if bar is not None:
            bar.update(1)
    return BotRun(
        name=name,
        model=model,
        startup_seconds=bot.startup_seconds,
        levels=levels,
        peak_rss_mb={s.role: s.peak_rss_mb() for s in bot.services},
        warmup_off_script=warmup_off_script,
    )


def bench_dir() -> Path:
    return var_dir() / "bench"


def run_benchmark(
    *,
    concurrency: Sequence[int] = DEFAULT_CONCURRENCY,
    duration: float = DEFAULT_DURATION,
    model: Path | None = None,
    bare: bool = True,
    bare_cache: Path | None = None,
    timeout: float = 60.0,
    rounds: int = 1,
    progress: Callable[..., Any] | None = None,
) -> Benchmark:
    """Ours, then the bare bot, at every concurrency level; then `rounds - 1`
    more rounds of TARGET_CONCURRENCY alone, the bare bot first in every other
    round (see the module docstring).

    Process logs go to `<CSBA_VAR_DIR>/bench/last-run/` (replaced every run).
    """
    started = time.monotonic()
    model_path = resolve_model(model)
    workdir = bench_dir() / "last-run"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    levels = tuple(concurrency)
    repeat = bare and rounds > 1 and TARGET_CONCURRENCY in levels
    steps = len(levels) * (2 if bare else 1) + (2 * (rounds - 1) if repeat else 0)
    bar = progress(total=steps) if progress else None
    project = (
        bare_rasa_project(bare_cache or bench_dir(), log=workdir / "rasa-init.log")
        if bare
        else None
    )

    def run(name: str, levels: tuple[int, ...], logs: Path) -> BotRun:
        if name == "ours":
            with start_csba_stack(logs, model_path) as bot:
                return _drive(
                    bot, "ours", model_path, CSBA_SCRIPTS,
                    concurrency=levels, duration=duration, timeout=timeout,
                    unavailable=unavailable_texts(), bar=bar,
                )  # fmt: skip
        assert project is not None
        with start_bare_stack(project, logs) as bot:
            return _drive(
                bot, "bare", bare_model(project), BARE_SCRIPTS,
                concurrency=levels, duration=duration, timeout=timeout,
                unavailable=frozenset(), bar=bar,
            )  # fmt: skip

    ours = run("ours", levels, workdir / "csba")
    bare_run = run("bare", levels, workdir / "bare") if bare else None
    repeats = []
    for number in range(2, rounds + 1 if repeat else 2):
        order = ("bare", "ours") if number % 2 == 0 else ("ours", "bare")
        done = {
            name: run(name, (TARGET_CONCURRENCY,), workdir / f"{name}-round{number}")
            for name in order
        }
        repeats.append(Round(done["ours"].levels[0], done["bare"].levels[0]))
    if bar is not None:
        bar.close()
    return Benchmark(
        concurrency=levels,
        duration=duration,
        ours=ours,
        bare=bare_run,
        seconds=time.monotonic() - started,
        repeats=repeats,
        rounds=rounds,
    )
