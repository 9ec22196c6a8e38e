"""Adapters implement the ports in domain/ports.py: the SQL store, and accounting backends."""
