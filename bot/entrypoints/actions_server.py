"""`python -m bot.entrypoints.actions_server <rasa_sdk arguments>`: the custom
action server (`rasa run actions`), answering only callers that hold the
secret `CSBA_ACTION_TOKEN`.

The action server runs whatever action it is told on whatever tracker it is
sent: a made-up tracker saying "this chat verified order X" gets order X's
status. So besides listening on 127.0.0.1 only, it wants every call to carry
`Authorization: Bearer <token>`, which Rasa sends from endpoints.yml
(`action_endpoint.headers`, `${CSBA_ACTION_TOKEN}`). Anything else gets 401
and runs nothing; `/health` stays open.

The token is `CSBA_ACTION_TOKEN`, or else a random one kept in
`$CSBA_VAR_DIR/action-token` (created on first use, its owner's only), which
`--print-token` prints: `make run` and `make shell` export it for Rasa, so
that `make shell` can use the action server of `make run`.

The check is a request middleware attached through rasa_sdk's own plugin hook
(`attach_sanic_app_extensions`), so the server is otherwise rasa_sdk's.
"""

from __future__ import annotations

import hmac
import sys

import pluggy
from sanic import Sanic, response
from sanic.request import Request

from bot import config
from bot.adapters.tokens import stored_secret

OPEN_PATHS = frozenset({"/health"})
TOKEN_FILE_NAME = "action-token"
hookimpl = pluggy.HookimplMarker("rasa_sdk")


def authorised(header: str | None, token: str) -> bool:
    """Whether an `Authorization` header carries the token (constant time)."""
    expected = f"Bearer {token}".encode()
    return hmac.compare_digest((header or "").encode(), expected)


class RequireToken:
    """rasa_sdk plugin: refuse calls without the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        token = self._token

        async def check(request: Request):  # noqa: ANN202 - Sanic middleware
            if request.path in OPEN_PATHS:
                return None
            if authorised(request.headers.get("authorization"), token):
                return None
            return response.json(
                {"error": "missing or wrong action server token"}, status=401
            )

        app.register_middleware(check, "request")


MIN_TOKEN_CHARS = 16


def token() -> str:
    """`CSBA_ACTION_TOKEN`, else the one kept in `$CSBA_VAR_DIR/action-token`.
    OSError when it is shorter than MIN_TOKEN_CHARS (an empty file would let
    anyone in)."""
    from_env = config.action_server_token()
    path = config.var_dir() / TOKEN_FILE_NAME
    secret = from_env or stored_secret(path)
    if len(secret) < MIN_TOKEN_CHARS:
        origin = "CSBA_ACTION_TOKEN" if from_env else str(path)
        raise OSError(f"{origin} is shorter than {MIN_TOKEN_CHARS} characters")
    return secret


def main() -> None:
    try:
        secret = token()
    except OSError as error:
        print(
            f"Cannot read or create the action server token: {error}", file=sys.stderr
        )
        raise SystemExit(2) from None
    if sys.argv[1:] == ["--print-token"]:
        print(secret)
        return
    from rasa_sdk import __main__ as rasa_sdk_main
    from rasa_sdk.plugin import plugin_manager

    plugin_manager().register(RequireToken(secret))
    sys.argv[0] = "rasa run actions"
    rasa_sdk_main.main()


if __name__ == "__main__":
    main()
