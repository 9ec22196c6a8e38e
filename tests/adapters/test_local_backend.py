"""The built-in `local` backend passes the conformance suite (most checks skip: nothing leaves salesflow)."""

from __future__ import annotations

import pytest

from salesflow.adapters.local import LocalBackend
from salesflow.adapters.testing import BackendConformance, sample_invoice


class TestLocalBackend(BackendConformance):
    @pytest.fixture
    def backend(self):
        return LocalBackend()


def test_the_sample_invoice_is_priced_by_the_domain():
    invoice = sample_invoice()
    assert str(invoice.total) == "1074.30" and str(invoice.tax_total) == "181.80"
