"""The agent review console's use cases: what the bot decided in each
conversation, and what the agents make of it.

Conversations live in Rasa's SQL tracker store, in its own database (Rasa's
`events` table, bot.adapters.rasa_events); the console reads summaries of them
kept in the project database (bot.adapters.review_store runs the SQL).

- `sync`: `sync_summaries()` folds the tracker's new events into the summaries;
- `query`: `ConversationFilters` (from query parameters), `list_conversations()`
  / `iter_conversations()` (the filtered list, newest first, with each
  conversation's case status and SLA state) and `filter_choices()`;
- `transcript`: `transcript()` (every buyer message with its intent, confidence
  and entities, a click on a quick reply as the button's title, the bot's
  replies, each decision with the agent-facing reason from `agent_reason()`,
  the buyer's photo uploads at their time, and the linked cases);
- `commands`: the agents' actions, `set_tags()`, `set_reviewed()`, `set_note()`,
  `correct_intent()`, `reply_to_agent_case()`;
- `events`: what is read in a Rasa event (never the buyer's token);
- `errors`: `ReviewError` and its kinds, rendered from the catalogue.

Every function takes the caller's session and does not commit.
"""

from bot.services.review.commands import (
    MAX_NOTE_CHARS,
    correct_intent,
    correctable_intents,
    parse_tags,
    reply_to_agent_case,
    set_note,
    set_reviewed,
    set_tags,
)
from bot.services.review.errors import (
    ConversationNotFound,
    ReviewError,
    TrackerUnavailable,
)
from bot.services.review.events import Entity
from bot.services.review.query import (
    ConversationFilters,
    ConversationLine,
    ConversationPage,
    conversation_line,
    day_start_utc,
    filter_choices,
    iter_conversations,
    list_conversations,
    reason_label,
)
from bot.services.review.sync import sync_summaries
from bot.services.review.transcript import (
    BotMessage,
    BuyerMessage,
    DecisionView,
    PhotoUpload,
    SessionStart,
    Transcript,
    TranscriptItem,
    agent_reason,
    transcript,
)

__all__ = [
    "MAX_NOTE_CHARS",
    "BotMessage",
    "BuyerMessage",
    "ConversationFilters",
    "ConversationLine",
    "ConversationNotFound",
    "ConversationPage",
    "DecisionView",
    "Entity",
    "PhotoUpload",
    "ReviewError",
    "SessionStart",
    "TrackerUnavailable",
    "Transcript",
    "TranscriptItem",
    "agent_reason",
    "conversation_line",
    "correct_intent",
    "correctable_intents",
    "day_start_utc",
    "filter_choices",
    "iter_conversations",
    "list_conversations",
    "parse_tags",
    "reason_label",
    "reply_to_agent_case",
    "set_note",
    "set_reviewed",
    "set_tags",
    "sync_summaries",
    "transcript",
]
