"""Database backends of the project (ENGINE paths in config/settings)."""
