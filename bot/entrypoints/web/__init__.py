"""The web app (issue 4): buyer chat widget, agent review console and seller
case portal, one Starlette application. `python -m bot.entrypoints.web` serves it;
`bot.entrypoints.web.app.create_app()` builds it."""
