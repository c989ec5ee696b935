"""`make shell`: Rasa's `rasa shell`, showing the conversation and not the noise.

Installed by the launcher for its `shell` command only (see __main__.py):

- `quiet_arguments`: Rasa logs at WARNING (`--quiet`) unless a logging option is
  given (`-v`, `-vv`, `--quiet`, `--logging-config-file`);
- `silence_library_warnings`: the libraries' deprecation and user warnings (about 40
  lines from pkg_resources, SQLAlchemy, pyparsing, click, matplotlib...) are not
  printed, unless Python was given warning options (`-W`, `PYTHONWARNINGS`) or a
  logging option asks for more; the project's own warnings still are;
- `install_button_input`: under a message with buttons, Rasa 3.6 opens a questionary
  menu in which typing does nothing and Enter picks the highlighted button, so a
  message typed there is lost. Here the buttons are printed with numbers and the
  prompt is Rasa's usual text input: a button's number (or its exact title) sends
  its payload, anything else is sent as typed;
- `install_eager_weight_building`: loading the DIET classifier, Rasa trains one step
  on one example only to create the weights before reading them from the model,
  and traces TensorFlow's training graph for it: 10 of the shell's 20 s. That
  step runs eagerly here (about 1 s); predictions still run as a traced graph,
  with the weights read from the model, so the answers are the same.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

LOGGING_OPTIONS = ("-v", "--verbose", "-vv", "--debug", "--quiet")
LOGGING_CONFIG_OPTION = "--logging-config-file"
# Warnings from installed libraries that say nothing about the conversation.
LIBRARY_WARNINGS = (
    DeprecationWarning,
    PendingDeprecationWarning,
    FutureWarning,
    UserWarning,
)
LIBRARY_DIRS = ("site-packages", "dist-packages")

_MARK = "_csba_button_input"


def wants_logs(argv: Sequence[str]) -> bool:
    """Whether the arguments choose Rasa's logging themselves."""
    return any(
        arg in LOGGING_OPTIONS or arg.startswith(LOGGING_CONFIG_OPTION) for arg in argv
    )


def quiet_arguments(argv: Sequence[str]) -> list[str]:
    """`argv` with `--quiet` added, unless it chooses the logging itself."""
    return list(argv) if wants_logs(argv) else [*argv, "--quiet"]


def _from_library(filename: str) -> bool:
    return any(part in filename for part in LIBRARY_DIRS)


def silence_library_warnings() -> None:
    """Print no deprecation or user warning raised inside an installed library.

    A `warnings.showwarning` hook rather than a filter: Rasa and its libraries add
    filters of their own while they load ("once", "default"), in front of ours.
    """
    if sys.warnoptions or getattr(warnings.showwarning, _MARK, False):
        return
    original = warnings.showwarning

    def showwarning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, LIBRARY_WARNINGS) and _from_library(filename):
            return
        original(message, category, filename, lineno, file, line)

    setattr(showwarning, _MARK, True)
    warnings.showwarning = showwarning


def reply_for(typed: str, buttons: Sequence[Mapping[str, Any]]) -> str:
    """What to send when `typed` is entered under `buttons`: a button's number
    (from 1) or its exact title (any case) sends the button's payload; anything
    else is a message of its own and goes as typed."""
    text = typed.strip()
    chosen = None
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        chosen = buttons[int(text) - 1]
    else:
        chosen = next(
            (
                b
                for b in buttons
                if str(b.get("title", "")).strip().casefold() == text.casefold()
                and text
            ),
            None,
        )
    if chosen is None:
        return text
    return str(chosen.get("payload") or chosen.get("title") or text)


def print_buttons(message: Mapping[str, Any]) -> None:
    """The message without its buttons as Rasa prints it, then the buttons numbered
    from 1 and how to answer (in the CLI's language, `CSBA_LANG`)."""
    from rasa.core.channels import console
    from rasa.shared.utils.cli import print_color
    from rasa.shared.utils.io import bcolors

    from bot import config
    from bot.adapters.catalogue import t

    console._print_bot_output({k: v for k, v in message.items() if k != "buttons"})
    for number, button in enumerate(message.get("buttons") or (), 1):
        print_color(f"  {number}: {button.get('title', '')}", color=bcolors.OKBLUE)
    print_color(
        t("cli.shell.buttons_hint", config.cli_language()), color=bcolors.OKBLUE
    )


def install_button_input() -> None:
    """Replace Rasa's `console._get_user_input` (idempotent)."""
    from rasa.core.channels import console

    ask = console._get_user_input
    if getattr(ask, _MARK, False):
        return

    async def _get_user_input(
        previous_response: dict[str, Any] | None,
    ) -> str | None:
        buttons = (previous_response or {}).get("buttons") or []
        if not buttons:
            return await ask(previous_response)
        print_buttons(previous_response)
        typed = await ask(None)  # Rasa's text prompt, stripped; None on Ctrl-D/C
        return None if typed is None else reply_for(typed, buttons)

    setattr(_get_user_input, _MARK, True)
    console._get_user_input = _get_user_input


def install_eager_weight_building() -> None:
    """Make the weight-building step of `RasaModel.load` eager (idempotent)."""
    from rasa.utils.tensorflow.models import RasaModel

    load = RasaModel.__dict__["load"].__func__
    if getattr(load, _MARK, False):
        return

    def eager_load(cls: type, *args: Any, **kwargs: Any) -> Any:
        compile_, load_weights = cls.compile, cls.load_weights
        chosen: dict[int, Any] = {}

        def compile_eagerly(self: Any, *c_args: Any, **c_kwargs: Any) -> Any:
            chosen[id(self)] = c_kwargs.get("run_eagerly")
            c_kwargs["run_eagerly"] = True
            return compile_(self, *c_args, **c_kwargs)

        def load_weights_then_graph(self: Any, *w_args: Any, **w_kwargs: Any) -> Any:
            if id(self) in chosen:  # after the building step: back to Rasa's choice
                self.run_eagerly = chosen.pop(id(self))
            return load_weights(self, *w_args, **w_kwargs)

        own = {name: cls.__dict__.get(name) for name in ("compile", "load_weights")}
        cls.compile, cls.load_weights = compile_eagerly, load_weights_then_graph
        try:
            return load(cls, *args, **kwargs)
        finally:
            for name, method in own.items():
                if method is None:
                    delattr(cls, name)
                else:
                    setattr(cls, name, method)

    setattr(eager_load, _MARK, True)
    RasaModel.load = classmethod(eager_load)
