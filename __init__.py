"""salesflow: the sales module of an ERP, from first contact to invoice.

Layers (imports point one way): gateway → schema → statemachine → domain ← adapters.
"""

__version__ = "0.1.0"
