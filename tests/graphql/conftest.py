"""What the GraphQL scenarios share: a fresh store per test (copied, not migrated), the seed story's
mutations as GraphQL text behind small helpers, and a way to see that a refused request changed nothing.

Every test here goes through the real Starlette app in-process (`gateway`), on SQLite and, when
SALESFLOW_TEST_POSTGRES_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta

import pytest

#: Year in the numbers the story expects (Q/<year>/00001 …): the year the operations run in.
YEAR = datetime.now(UTC).year


@pytest.fixture(scope="session")
def gq():
    """This module: the GraphQL text and helpers here, for the tests (gq.CREATE_LEAD, gq.YEAR, gq.Sales …)."""
    return sys.modules[__name__]


@pytest.fixture
def database_url(reused_database_url):
    """The same fresh, migrated store as `database_url`, made by copying instead of migrating."""
    return reused_database_url


@pytest.fixture
def tuned(database_url):
    """tuned(max_cost=…, query_timeout=…, max_response_bytes=…, …): a gateway with other settings, over the test's store."""
    from gql import Gateway

    made = []

    def make(**settings):
        made.append(Gateway(database_url, **settings))
        return made[-1]

    yield make
    for gw in made:
        gw.close()


# --- GraphQL text of the story's steps ------------------------------------------------------------

ERRORS = "errors { code field message }"
LEAD = "id status version title owner { id name } availableActions convertedOpportunity { id }"
OPPORTUNITY = (
    "id title status version currency amount probability stage { id name probability } "
    "account { id name } availableActions"
)
QUOTE_LINE = (
    "id description quantity unitPrice discountPercent taxRate subtotal discountAmount netAmount taxAmount total"
)
QUOTE = (
    f"id number revision status version kind currency validUntil subtotal discountTotal taxTotal total "
    f"isLatest availableActions lines {{ {QUOTE_LINE} }}"
)
ORDER = (
    "id number status version invoicingPolicy currency subtotal discountTotal taxTotal total availableActions "
    "lines { id description quantity deliveredQuantity invoicedQuantity remainingQuantity unitPrice total }"
)
INVOICE = (
    "id number status version currency subtotal discountTotal taxTotal total amountPaid amountDue "
    "availableActions lines { id description quantity unitPrice netAmount taxAmount total }"
)

CREATE_LEAD = f"mutation($i: CreateLeadInput!) {{ createLead(input: $i) {{ lead {{ {LEAD} }} {ERRORS} }} }}"
UPDATE_LEAD = f"mutation($i: UpdateLeadInput!) {{ updateLead(input: $i) {{ lead {{ {LEAD} }} {ERRORS} }} }}"
MARK_CONTACTED = (
    f"mutation($i: MarkLeadContactedInput!) {{ markLeadContacted(input: $i) {{ lead {{ {LEAD} }} {ERRORS} }} }}"
)
CONVERT_LEAD = (
    f"mutation($i: ConvertLeadInput!) {{ convertLead(input: $i) {{ lead {{ {LEAD} }} "
    f"account {{ id name }} contact {{ id name }} opportunity {{ {OPPORTUNITY} }} "
    f"duplicates {{ kind name }} {ERRORS} }} }}"
)
CREATE_ACCOUNT = (
    f"mutation($i: CreateAccountInput!) {{ createAccount(input: $i) {{ account {{ id name }} {ERRORS} }} }}"
)
CREATE_OPPORTUNITY = (
    f"mutation($i: CreateOpportunityInput!) {{ createOpportunity(input: $i) "
    f"{{ opportunity {{ {OPPORTUNITY} }} {ERRORS} }} }}"
)
MOVE_STAGE = (
    f"mutation($i: MoveOpportunityStageInput!) {{ moveOpportunityStage(input: $i) "
    f"{{ opportunity {{ {OPPORTUNITY} }} {ERRORS} }} }}"
)
LOSE_OPPORTUNITY = (
    f"mutation($i: LoseOpportunityInput!) {{ loseOpportunity(input: $i) "
    f"{{ opportunity {{ {OPPORTUNITY} }} {ERRORS} }} }}"
)
CONVERT_TO_QUOTE = (
    f"mutation($i: ConvertOpportunityToQuoteInput!) {{ convertOpportunityToQuote(input: $i) "
    f"{{ quote {{ {QUOTE} }} {ERRORS} }} }}"
)
UPDATE_QUOTE = f"mutation($i: UpdateQuoteInput!) {{ updateQuote(input: $i) {{ quote {{ {QUOTE} }} {ERRORS} }} }}"
SEND_QUOTE = f"mutation($i: SendQuoteInput!) {{ sendQuote(input: $i) {{ quote {{ {QUOTE} }} {ERRORS} }} }}"
REVISE_QUOTE = (
    f"mutation($i: ReviseQuoteInput!) {{ reviseQuote(input: $i) {{ quote {{ {QUOTE} }} "
    f"previousRevision {{ {QUOTE} }} {ERRORS} }} }}"
)
CONVERT_TO_ORDER = (
    f"mutation($i: ConvertQuoteToOrderInput!) {{ convertQuoteToOrder(input: $i) "
    f"{{ order {{ {ORDER} }} quote {{ id status availableActions }} "
    f"opportunity {{ {OPPORTUNITY} }} {ERRORS} }} }}"
)
CREATE_ORDER = f"mutation($i: CreateOrderInput!) {{ createOrder(input: $i) {{ order {{ {ORDER} }} {ERRORS} }} }}"
RECORD_DELIVERY = (
    f"mutation($i: RecordDeliveryInput!) {{ recordDelivery(input: $i) "
    f"{{ delivery {{ id number lines {{ orderLine {{ id }} quantity }} }} order {{ {ORDER} }} "
    f"invoice {{ {INVOICE} }} {ERRORS} }} }}"
)
CONVERT_TO_INVOICE = (
    f"mutation($i: ConvertOrderToInvoiceInput!) {{ convertOrderToInvoice(input: $i) "
    f"{{ invoice {{ {INVOICE} }} {ERRORS} }} }}"
)
ISSUE_INVOICE = f"mutation($i: IssueInvoiceInput!) {{ issueInvoice(input: $i) {{ invoice {{ {INVOICE} }} {ERRORS} }} }}"
RECORD_PAYMENT = (
    f"mutation($i: RecordPaymentInput!) {{ recordPayment(input: $i) {{ payment {{ id amount currency }} "
    f"invoice {{ {INVOICE} }} {ERRORS} }} }}"
)
CREATE_STAGE = f"mutation($i: CreateStageInput!) {{ createStage(input: $i) {{ stage {{ id name }} {ERRORS} }} }}"
STAGES = "{ stages { id name probability sequence } }"
VIEWER = "{ viewer { role user { id name role } permissions { model read write create unlink } } }"

WIDGETS = {"description": "Widgets", "quantity": "10", "unitPrice": "99.90", "taxRate": "19"}
SETUP = {"description": "Setup", "quantity": "1", "unitPrice": "450", "discountPercent": "10", "taxRate": "19"}


def valid_until(days: int = 60) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def did_something(name: str, payload: dict) -> dict:
    """A payload with no errors must carry what the mutation made or changed."""
    made = {k: v for k, v in payload.items() if k not in ("errors", "duplicates")}
    assert any(v is not None for v in made.values()), (
        f"{name} answered errors: [] but returned nothing ({made}): it did nothing"
    )
    return payload


class Sales:
    """The seed story's steps as one client performs them; each returns the mutation's payload."""

    def __init__(self, client):
        self.client = client

    def _do(self, name: str, query: str, data: dict) -> dict:
        return did_something(name, self.client.mutate(name, query, {"i": data}))

    def lead(self, title: str = "ACME renewal", **fields) -> dict:
        fields.setdefault("companyName", f"Company of {title}")
        return self._do("createLead", CREATE_LEAD, {"title": title, **fields})["lead"]

    def convert(self, lead_id: str, **fields) -> dict:
        return self._do("convertLead", CONVERT_LEAD, {"leadId": lead_id, **fields})

    def opportunity(self, title: str = "Chairs for HQ", currency: str = "EUR", **fields) -> dict:
        return self._do("createOpportunity", CREATE_OPPORTUNITY, {"title": title, "currency": currency, **fields})[
            "opportunity"
        ]

    def quote(self, opportunity_id: str, lines=(WIDGETS, SETUP), **fields) -> dict:
        data = {"opportunityId": opportunity_id, "kind": "PROFORMA", "validUntil": valid_until(), "lines": list(lines)}
        return self._do("convertOpportunityToQuote", CONVERT_TO_QUOTE, {**data, **fields})["quote"]

    def send(self, quote_id: str) -> dict:
        return self._do("sendQuote", SEND_QUOTE, {"quoteId": quote_id})["quote"]

    def accept(self, quote_id: str, **fields) -> dict:
        return self._do("convertQuoteToOrder", CONVERT_TO_ORDER, {"quoteId": quote_id, **fields})

    def order(
        self,
        opportunity_id: str | None = None,
        lines=(WIDGETS, SETUP),
        policy: str = "PER_DELIVERY",
        currency: str = "EUR",
    ) -> dict:
        """An order straight from an opportunity (a new one unless given)."""
        opportunity_id = opportunity_id or self.opportunity(currency=currency)["id"]
        return self._do(
            "createOrder",
            CREATE_ORDER,
            {"opportunityId": opportunity_id, "currency": currency, "lines": list(lines), "invoicingPolicy": policy},
        )["order"]

    def deliver(self, order: dict, quantities: dict[int, str] | None = None, **fields) -> dict:
        """Deliver {line index: quantity}, or everything that remains."""
        lines = order["lines"]
        wanted = quantities or {
            i: ln["remainingQuantity"] for i, ln in enumerate(lines) if ln["remainingQuantity"] not in ("0", "0.00")
        }
        return self._do(
            "recordDelivery",
            RECORD_DELIVERY,
            {
                "orderId": order["id"],
                **fields,
                "lines": [{"orderLineId": lines[i]["id"], "quantity": q} for i, q in wanted.items()],
            },
        )

    def invoice(self, order_id: str, **fields) -> dict:
        return self._do("convertOrderToInvoice", CONVERT_TO_INVOICE, {"orderId": order_id, **fields})["invoice"]

    def issue(self, invoice_id: str) -> dict:
        return self._do("issueInvoice", ISSUE_INVOICE, {"invoiceId": invoice_id})["invoice"]

    def pay(self, invoice_id: str, amount: str, **fields) -> dict:
        return self._do("recordPayment", RECORD_PAYMENT, {"invoiceId": invoice_id, "amount": amount, **fields})

    def stages(self) -> dict[str, dict]:
        return {s["name"]: s for s in self.client.run(STAGES)["stages"]}

    def viewer(self) -> dict:
        return self.client.run(VIEWER)["viewer"]


@pytest.fixture
def sales(admin) -> Sales:
    """The story's steps as the admin performs them."""
    return Sales(admin)


@pytest.fixture
def as_user(gateway):
    """A client and its Sales helper for a user with a role: as_user("reza", "sales_rep")."""

    def make(name: str, role: str) -> Sales:
        return Sales(gateway.client(name, role))

    return make


# --- Checking refusals ----------------------------------------------------------------------------


def leaked_internals(text: str) -> list[str]:
    """Signs of a stack trace or Python internals in a response body."""
    return [sign for sign in ("Traceback", 'File "', "site-packages", "/work/", '.py", line') if sign in text]


@pytest.fixture
def no_leak():
    """assert no_leak(body): the body (JSON or text) carries no traceback."""

    def check(body) -> bool:
        text = body if isinstance(body, str) else json.dumps(body)
        leaks = leaked_internals(text)
        assert not leaks, f"the response leaks internals {leaks}: {text[:800]}"
        return True

    return check
