"""Rasa's SQL tracker store, as this project reads it: the one description of its
`events` table.

Rasa's `SQLTrackerStore` writes one row per event (id, sender_id, type_name,
timestamp, intent_name, action_name, and the event as JSON text in `data`) in its
own database, never the project's. The project only reads it (the agent console's
summaries and transcripts, the buyer's chat history), except the console benchmark,
which seeds a temporary one.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text

# Its own MetaData: it is not a table of the project database.
tracker_metadata = MetaData()

EVENTS = Table(
    "events",
    tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
