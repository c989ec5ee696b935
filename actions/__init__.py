"""Rasa custom actions of the CSBA triage bot: thin entry points over `bot/`.

One module per concern:

- `base`: `BotServices` (database, clock, notifier; built lazily) and the
  abstract `CsbaAction` every action derives from (identity, delivery of unseen
  seller replies, the fallback counter reset, and "never a stack trace to the
  buyer");
- `session`: `action_session_start` and `action_check_updates` (small-talk turns);
- `orders`: the order form (`validate_order_form`, `action_ask_order_id`);
- `product`: "which item?" (`action_ask_product_asin`) and item matching;
- `triage`: `action_start_inquiry` and the decision, `action_triage`;
- `fallback`: `action_fallback`.

The action server imports this package (`rasa run actions --actions actions`);
nothing here opens a connection at import time.
"""
