"""bot.entrypoints.rasa.runtime.shell: `make shell`, quiet, with a typed message kept
under buttons, and the model's weights built eagerly. No trained model needed."""

from __future__ import annotations

import sys
import warnings

import pytest
from rasa.core.channels import console
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

from bot.entrypoints.rasa.runtime import shell

BUTTONS = [
    {"title": "Track my order", "payload": "/delivery_status"},
    {"title": "Return an item", "payload": "/return_refund"},
]
MENU = {"recipient_id": "shell", "text": "What can I help with?", "buttons": BUTTONS}


@pytest.fixture
def asked(monkeypatch):
    """Rasa's text prompt replaced by one that 'types' the queued answers; returns
    the queue and what the prompt was called with. The patch is undone afterwards."""
    answers: list[str | None] = []
    calls: list[object] = []

    async def fake_prompt(previous_response):  # noqa: ANN001, ANN202
        calls.append(previous_response)
        return answers.pop(0)

    monkeypatch.setattr(console, "_get_user_input", fake_prompt)
    shell.install_button_input()
    return answers, calls


async def test_a_message_typed_under_buttons_is_sent_as_typed(asked, capsys):
    answers, calls = asked
    answers.append("where is my parcel 112-0000001-0000001")
    sent = await console._get_user_input(MENU)
    assert sent == "where is my parcel 112-0000001-0000001"
    assert calls == [None]  # a plain text prompt, not Rasa's button menu
    out = capsys.readouterr().out
    assert "What can I help with?" in out
    assert "1: Track my order" in out and "2: Return an item" in out
    assert "Type a button's number, or your own message" in out


async def test_a_buttons_number_or_title_sends_its_payload(asked):
    answers, _ = asked
    answers += ["2", "track MY order", None]
    assert await console._get_user_input(MENU) == "/return_refund"
    assert await console._get_user_input(MENU) == "/delivery_status"
    assert await console._get_user_input(MENU) is None  # Ctrl-D ends the shell


async def test_a_message_without_buttons_goes_to_rasas_prompt(asked):
    answers, calls = asked
    answers.append("hello")
    plain = {"recipient_id": "shell", "text": "Hi!"}
    assert await console._get_user_input(plain) == "hello"
    assert calls == [plain]


def test_install_button_input_is_idempotent(asked):
    installed = console._get_user_input
    shell.install_button_input()
    assert console._get_user_input is installed


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("1", "/delivery_status"),
        (" 2 ", "/return_refund"),
        ("3", "3"),  # not a button: a message of its own
        ("0", "0"),
        ("Return an item", "/return_refund"),
        ("98101", "98101"),
        ("", ""),
        ("I want to return it", "I want to return it"),
    ],
)
def test_reply_for(typed, sent):
    assert shell.reply_for(typed, BUTTONS) == sent


def test_a_button_without_payload_sends_its_title():
    assert shell.reply_for("1", [{"title": "Yes"}]) == "Yes"


@pytest.mark.parametrize(
    ("argv", "quiet"),
    [
        (["shell", "-m", "model.tar.gz"], True),
        (["shell", "-v"], False),
        (["shell", "--debug"], False),
        (["shell", "--quiet"], False),
        (["shell", "--logging-config-file=log.yml"], False),
    ],
)
def test_quiet_unless_a_logging_option_is_given(argv, quiet):
    args = shell.quiet_arguments(argv)
    assert args[: len(argv)] == argv
    assert (args[len(argv) :] == ["--quiet"]) is quiet


def test_library_warnings_are_not_printed_the_projects_are(monkeypatch):
    shown: list[tuple[type[Warning], str]] = []

    def record(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001, ANN202
        shown.append((category, filename))

    monkeypatch.setattr(sys, "warnoptions", [])
    monkeypatch.setattr(warnings, "showwarning", record)
    shell.silence_library_warnings()
    library = "/venv/lib/python3.10/site-packages/lib/x.py"
    project = "/work/main/bot/services/x.py"
    for category in (DeprecationWarning, UserWarning, FutureWarning):
        warnings.showwarning("old", category, library, 1)
    warnings.showwarning("bad", RuntimeWarning, library, 1)
    warnings.showwarning("mine", DeprecationWarning, project, 1)
    assert shown == [(RuntimeWarning, library), (DeprecationWarning, project)]


def test_python_warning_options_are_left_alone(monkeypatch):
    def record(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        pass

    monkeypatch.setattr(sys, "warnoptions", ["default"])
    monkeypatch.setattr(warnings, "showwarning", record)
    shell.silence_library_warnings()
    assert warnings.showwarning is record


def test_weights_are_built_eagerly_and_predictions_run_as_rasa_chose(monkeypatch):
    monkeypatch.setattr(RasaModel, "load", RasaModel.__dict__["load"])
    seen: dict[str, object] = {}

    class Model(RasaModel):
        def __init__(self, **kwargs):  # noqa: ANN003
            super().__init__(random_seed=1)

        def fit(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            seen["fit"] = self._run_eagerly

        def load_weights(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            seen["load_weights"] = self._run_eagerly

        def run_inference(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            seen["run_inference"] = self._run_eagerly

    own_load_weights = Model.__dict__["load_weights"]
    shell.install_eager_weight_building()
    shell.install_eager_weight_building()  # idempotent
    example = RasaModelData(label_key="a", label_sub_key="b", data={"a": {}})
    model = Model.load(
        "weights", RasaModelData(), example, config={"run_eagerly": False}
    )
    assert isinstance(model, Model)
    assert seen == {"fit": True, "load_weights": False, "run_inference": False}
    assert "compile" not in vars(Model)  # the class is as it was
    assert Model.__dict__["load_weights"] is own_load_weights
