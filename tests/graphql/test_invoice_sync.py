"""An accountant sees how each invoice stands with the accounting backends, and re-queues dead deliveries."""

from __future__ import annotations

from salesflow.adapters.local import LocalBackend
from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.domain.accounting import BackendError, Capabilities
from salesflow.statemachine.accounting import SyncWorker

SYNC = "query($id: ID!) { node(id: $id) { ... on Invoice { number sync { backend operation status attempts lastError externalRef } } } }"
RETRY = (
    "mutation($i: RetryInvoiceSyncInput!) { retryInvoiceSync(input: $i) { invoice { sync { backend status attempts } } "
    "errors { code field message } } }"
)


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
        "local": ("DONE", 1),
        "down": ("PENDING", 0),
    }


def test_only_accountants_and_admins_may_queue_deliveries_again(gateway, sales, as_user):
    invoice = _issued_invoice(sales)
    body = as_user("maria", "sales_manager").client.post(RETRY, {"i": {"invoiceId": invoice}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def _synced_once(gateway, backends) -> None:
    engine = create_engine(gateway.database_url)
    try:
        SyncWorker(lambda: SqlUnitOfWork(engine), backends).run_once()
    finally:
        engine.dispose()


def test_queueing_deliveries_to_a_backend_the_invoice_never_went_to_is_a_coded_error(gateway, sales, as_user):
    invoice = _issued_invoice(sales)
    _synced_once(gateway, [LocalBackend()])
    payload = as_user("anna", "accountant").client.run(
        RETRY, {"i": {"invoiceId": invoice, "backend": "no-such-ledger"}}
    )["retryInvoiceSync"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("NOT_FOUND", ["backend"])]


def test_a_finished_delivery_shows_no_next_attempt(gateway, sales, as_user):
    invoice = _issued_invoice(sales)
    _synced_once(gateway, [LocalBackend(), Down()])
    query = "query($id: ID!) { node(id: $id) { ... on Invoice { sync { backend status nextAttemptAt } } } }"
    sync = as_user("anna", "accountant").client.run(query, {"id": invoice})["node"]["sync"]
    assert {s["backend"]: (s["status"], s["nextAttemptAt"]) for s in sync} == {
        "local": ("DONE", None),
        "down": ("DEAD", None),
    }
