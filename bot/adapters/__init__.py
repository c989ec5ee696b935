"""SQL persistence: the ORM mapping and repositories that turn rows into domain objects."""
