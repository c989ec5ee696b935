"""A conversation whose custom session start failed still starts a session.

Rasa runs `action_session_start` (ours, on the action server: it sets the verified
buyer and delivers unseen case replies) before the first message of a session. When
the action server is down, Rasa 3.6 logs the failure and records the action with no
events: no `SessionStarted`, no `action_listen`. The first message then follows no
rule (every rule starts after `action_listen`) and RulePolicy answers its fallback,
"Sorry, I couldn't follow that", which asks the buyer to rephrase in vain.

Installed when Rasa loads the project's channels, this wraps
`MessageProcessor._update_tracker_session`: if a session was due and the custom
action added no `SessionStarted`, it applies the events of Rasa's own
`ActionSessionStart` (a new session, then `action_listen`). The first message then
follows the rules, whose custom actions fail in turn, and the buyer is told the
service is unavailable (data/rules/fallback.yml). Nothing changes when the action
server answers.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

_MARK = "_csba_session_start_fallback"


def _session_started_after_last_start_action(tracker: Any) -> bool:
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return True
        if (
            isinstance(event, ActionExecuted)
            and event.action_name == ACTION_SESSION_START_NAME
        ):
            return False
    return False


def install() -> None:
    """Wrap `MessageProcessor._update_tracker_session` (idempotent)."""
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor._update_tracker_session
    if getattr(original, _MARK, False):
        return

    async def _update_tracker_session(
        self: Any, tracker: Any, output_channel: Any, metadata: Any = None
    ) -> None:
        due = not tracker.applied_events() or self._has_session_expired(tracker)
        await original(self, tracker, output_channel, metadata)
        if due and not _session_started_after_last_start_action(tracker):
            log.warning(
                "action_session_start failed in conversation %s; "
                "starting the session as Rasa's default action does",
                tracker.sender_id,
            )
            default = ActionSessionStart()
            for event in await default.run(
                output_channel, self.nlg, tracker, self.domain
            ):
                tracker.update(event, self.domain)

    setattr(_update_tracker_session, _MARK, True)
    MessageProcessor._update_tracker_session = _update_tracker_session
