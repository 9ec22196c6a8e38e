"""The schema of leads."""
