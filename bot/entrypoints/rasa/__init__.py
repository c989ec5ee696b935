"""What Rasa loads from this project: the input channels (credentials.yml), the
tracker store (endpoints.yml), and the runtime that starts Rasa with the project's
fixes installed (`python -m bot.entrypoints.rasa.runtime run ...`)."""
