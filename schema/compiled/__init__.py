"""Reads compiled to SQL: a query's root fields answered by one statement each that builds the JSON."""
