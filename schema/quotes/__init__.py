"""The schema of quotes."""
