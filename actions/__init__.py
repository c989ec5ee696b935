"""Rasa custom actions of the CSBA triage bot: thin entry points over `bot/`.

One module per concern:

- `base`: `BotServices` (database, clock, notifier; built lazily) and the
  abstract `CsbaAction` every action derives from (identity, delivery of unseen
  seller replies, the fallback counter reset, and "never a stack trace to the
  buyer");
- `session`: `action_session_start` and `action_check_updates` (small-talk turns);
- `orders`: the order form (`validate_order_form`, a FormValidationAction with
  one `validate_<slot>` per slot);
- `order_questions`: asking for the order, `action_ask_order_id`, and the order
  buttons it and "have you ordered it?" offer;
- `form_vocabulary`: the form's answers, notices and halts;
- `order_form`: which orders a conversation may look into, and what one run of
  the form knows (`OrderFormTurn`);
- `product`: "have you ordered it?", with the order of the chat's previous
  inquiry as a one-click choice (`action_ask_has_ordered`), and "which item?"
  (`action_ask_product_asin`);
- `inquiry`: what the buyer wants, `action_start_inquiry`;
- `triage`: the decision, `action_triage`;
- `returns`: a damaged item's remedy, `action_damage_remedy` (replacement or
  refund);
- `fallback`: `action_fallback`;
- `handoff`: the live hand-off's turns (`action_handoff_relay`, `_cancel`,
  `_resume`), which HandoffPolicy picks while a person has the chat.

Each action is a thin entry point: the work is in bot/services (order_lookup,
verification, triage), which each take the session of the action's unit of
work; no action builds a repository itself.

The action server imports this package (`python -m bot.entrypoints.actions_server
--actions actions`: rasa_sdk's, wanting the token Rasa sends);
nothing here opens a connection at import time.
"""
