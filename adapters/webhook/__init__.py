"""The `webhook` accounting backend: signed JSON events out, payments back through the API."""

from .backend import WebhookBackend
from .signing import HEADER, SignatureError, sign, verify

__all__ = ["HEADER", "SignatureError", "WebhookBackend", "sign", "verify"]
