"""The schema of orders."""
