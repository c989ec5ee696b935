"""The CSBA business rules as plain Python. Imports neither Rasa nor SQLAlchemy."""
