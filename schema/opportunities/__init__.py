"""The schema of opportunities."""
