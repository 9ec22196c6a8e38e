"""An accountant sees how each invoice stands with the accounting backends, and re-queues dead deliveries."""
from __future__ import annotations

from salesflow.adapters.local import LocalBackend
from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.domain.accounting import BackendError, Capabilities
from salesflow.statemachine.accounting import SyncWorker

SYNC = "query($id: ID!) { node(id: $id) { ... on Invoice { number sync { backend operation status attempts lastError externalRef } } } }"
RETRY = ("mutation($i: RetryInvoiceSyncInput!) { retryInvoiceSync(input: $i) { invoice { sync { backend status attempts } } "
         "errors { code field message } } }")


class Down:
    name = "down"
    capabilities = Capabilities()

    def push_invoice(self, invoice, customer, *, idempotency_key):
        raise BackendError("connection refused", transient=False)


def _issued_invoice(sales) -> str:
    order = sales.order()
    invoice = sales.deliver(order)["invoice"]["id"]
    sales.issue(invoice)
    return invoice


def test_an_invoice_shows_each_backend_and_a_dead_delivery_can_be_queued_again(gateway, sales, as_user):
    invoice = _issued_invoice(sales)
    engine = create_engine(gateway.database_url)
    try:
        SyncWorker(lambda: SqlUnitOfWork(engine), [LocalBackend(), Down()]).run_once()
    finally:
        engine.dispose()
    accountant = as_user("anna", "accountant").client
    sync = {s["backend"]: s for s in accountant.run(SYNC, {"id": invoice})["node"]["sync"]}
    assert sync["local"]["status"] == "DONE" and sync["local"]["externalRef"].startswith("local:INV/")
    assert sync["down"]["status"] == "DEAD" and sync["down"]["lastError"] == "connection refused"
    payload = accountant.mutate("retryInvoiceSync", RETRY, {"i": {"invoiceId": invoice, "backend": "down"}})
    assert {s["backend"]: (s["status"], s["attempts"]) for s in payload["invoice"]["sync"]} == {
        "local": ("DONE", 1), "down": ("PENDING", 0)}


def test_only_accountants_and_admins_may_queue_deliveries_again(gateway, sales, as_user):
    invoice = _issued_invoice(sales)
    body = as_user("maria", "sales_manager").client.post(RETRY, {"i": {"invoiceId": invoice}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
