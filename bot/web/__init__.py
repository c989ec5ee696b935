"""The web app (issue 4): buyer chat widget, agent review console and seller
case portal, one Starlette application. `python -m bot.web` serves it;
`bot.web.app.create_app()` builds it."""
