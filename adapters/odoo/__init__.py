"""The `odoo` accounting backend: posted customer invoices in Odoo (JSON-2, or XML-RPC before 19),
and what is paid on them read back."""

from .backend import OdooBackend
from .rpc import OdooRPC

__all__ = ["OdooBackend", "OdooRPC"]
