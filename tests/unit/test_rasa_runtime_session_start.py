"""bot.entrypoints.rasa.runtime.session_start: a conversation whose custom session start failed
still starts a session (SessionStarted, then action_listen), so the first message
follows the rules; nothing changes when the custom action worked."""

from __future__ import annotations

from types import SimpleNamespace

from rasa.core.processor import MessageProcessor
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.entrypoints.rasa.runtime import session_start


def _processor() -> SimpleNamespace:
    return SimpleNamespace(
        domain=Domain.empty(), nlg=None, _has_session_expired=lambda tracker: False
    )


def _install_over(monkeypatch, original) -> None:  # noqa: ANN001
    monkeypatch.setattr(MessageProcessor, "_update_tracker_session", original)
    session_start.install()
    assert MessageProcessor._update_tracker_session is not original


async def test_a_failed_custom_session_start_still_starts_the_session(monkeypatch):
    async def failed(self, tracker, output_channel, metadata=None):  # noqa: ANN001
        # what Rasa 3.6 records when the action server is down: the action, no events
        tracker.update(ActionExecuted("action_session_start"))

    _install_over(monkeypatch, failed)
    tracker = DialogueStateTracker("c1", slots=[])
    await MessageProcessor._update_tracker_session(_processor(), tracker, None)
    events = list(tracker.events)
    assert isinstance(events[-2], SessionStarted)
    assert isinstance(events[-1], ActionExecuted)
    assert events[-1].action_name == "action_listen"


async def test_a_working_custom_session_start_is_left_alone(monkeypatch):
    async def worked(self, tracker, output_channel, metadata=None):  # noqa: ANN001
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))

    _install_over(monkeypatch, worked)
    tracker = DialogueStateTracker("c2", slots=[])
    await MessageProcessor._update_tracker_session(_processor(), tracker, None)
    assert [type(e).__name__ for e in tracker.events] == [
        "ActionExecuted",
        "SessionStarted",
        "ActionExecuted",
    ]


async def test_no_session_due_means_nothing_added(monkeypatch):
    async def nothing(self, tracker, output_channel, metadata=None):  # noqa: ANN001
        return None

    _install_over(monkeypatch, nothing)
    tracker = DialogueStateTracker("c3", slots=[])
    tracker.update(ActionExecuted("action_listen"))
    await MessageProcessor._update_tracker_session(_processor(), tracker, None)
    assert len(tracker.events) == 1


def test_install_is_idempotent(monkeypatch):
    async def original(self, tracker, output_channel, metadata=None):  # noqa: ANN001
        return None

    _install_over(monkeypatch, original)
    installed = MessageProcessor._update_tracker_session
    session_start.install()
    assert MessageProcessor._update_tracker_session is installed


