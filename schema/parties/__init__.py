"""The schema of parties."""
