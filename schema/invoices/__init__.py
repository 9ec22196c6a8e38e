"""The schema of invoices."""
