"""The entry points: Rasa's channels, tracker store and runtime (rasa/), the web app
(web/), the `csba` command (cli/) and model training. Each parses its input, calls
the services and renders the answer; see docs/architecture.md."""
