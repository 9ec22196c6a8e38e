"""Rendering the documents a customer receives (see domain/documents.py for the facts they print)."""
