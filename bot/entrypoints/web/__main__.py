"""`python -m bot.entrypoints.web`: serve the web app with uvicorn on 127.0.0.1:$CSBA_WEB_PORT
(default 8000; CSBA_WEB_HOST overrides the address)."""

from __future__ import annotations

import uvicorn

from bot import config
from bot.entrypoints.web.app import create_app


def main() -> None:
    from bot.entrypoints.web.settings import SettingsError

    try:
        app = create_app()
    except SettingsError as error:
        raise SystemExit(f"csba web: {error}") from None
    uvicorn.run(
        app,
        host=config.web_host(),
        port=config.web_port(),
        proxy_headers=False,
        # No websocket routes here (the chat's socket is Rasa's); uvicorn's default
        # websocket protocol needs a newer `websockets` than Rasa 3.6 pins.
        ws="none",
        log_level=config.web_log_level(),
        # the agents' live streams (server-sent events) are cut after 2 s at
        # a stop; their browsers reconnect to whichever process is up
        timeout_graceful_shutdown=2,
    )


if __name__ == "__main__":
    main()
