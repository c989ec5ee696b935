"""Use cases shared by the Rasa actions, the CLI and the web app."""
