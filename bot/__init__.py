"""CSBA triage bot: the project's own package.

`bot.domain` holds the CSBA rules as plain Python (no Rasa, no database).
`bot.adapters` maps them to SQL, `bot.services` holds the use cases, and
`bot.entrypoints.cli` is the `csba` command. Nothing is built at import time.
"""

__version__ = "0.1.0"
