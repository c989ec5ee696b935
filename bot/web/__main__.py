"""`python -m bot.web`: serve the web app with uvicorn on 127.0.0.1:$CSBA_WEB_PORT
(default 8000; CSBA_WEB_HOST overrides the address)."""

from __future__ import annotations

import os

import uvicorn

from bot.web.app import create_app


def main() -> None:
    from bot.web.settings import SettingsError

    try:
        app = create_app()
    except SettingsError as error:
        raise SystemExit(f"csba web: {error}") from None
    uvicorn.run(
        app,
        host=os.environ.get("CSBA_WEB_HOST", "127.0.0.1"),
        port=int(os.environ.get("CSBA_WEB_PORT", "8000")),
        proxy_headers=False,
        # No websocket routes here (the chat's socket is Rasa's); uvicorn's default
        # websocket protocol needs a newer `websockets` than Rasa 3.6 pins.
        ws="none",
        log_level=os.environ.get("CSBA_WEB_LOG_LEVEL", "info"),
    )


if __name__ == "__main__":
    main()
