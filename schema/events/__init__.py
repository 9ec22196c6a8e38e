"""The schema of events."""
