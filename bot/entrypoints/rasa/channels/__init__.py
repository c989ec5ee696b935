"""Project-owned Rasa input channels that derive identity from a signed token.

- `bot.entrypoints.rasa.channels.rest.TokenRestInput` (`csba_rest`): REST.
- `bot.entrypoints.rasa.channels.identity_resolution.resolve_identity`: the request → sender id
  and metadata logic, shared with the socket.io channel.

Nothing is imported here, so importing `bot.entrypoints.rasa.channels.identity_resolution` does
not import Rasa.
"""
