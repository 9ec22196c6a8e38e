"""The committed `schema.graphql` is the contract clients code against: it must match the code."""

from pathlib import Path

from salesflow.schema.schema import sdl

ROOT = Path(__file__).resolve().parents[2]


def test_committed_sdl_matches_the_schema():
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == sdl(), "schema.graphql is stale: run `salesflow schema` and commit it"


def test_contract_names_are_in_the_sdl():
    text = sdl()
    for name in (
        "convertLead",
        "convertOpportunityToQuote",
        "convertQuoteToOrder",
        "convertOrderToInvoice",
        "createLead",
        "updateLead",
        "markLeadContacted",
        "disqualifyLead",
        "reactivateLead",
        "createAccount",
        "updateAccount",
        "createContact",
        "updateContact",
        "createOpportunity",
        "updateOpportunity",
        "moveOpportunityStage",
        "winOpportunity",
        "loseOpportunity",
        "reopenOpportunity",
        "updateQuote",
        "sendQuote",
        "reviseQuote",
        "rejectQuote",
        "cancelQuote",
        "createOrder",
        "recordDelivery",
        "cancelOrder",
        "issueInvoice",
        "voidInvoice",
        "recordPayment",
        "createStage",
        "updateStage",
        "reorderStages",
        "documentEvents",
        "pipeline",
        "viewer",
        "scalar Decimal",
        "IDEMPOTENCY_KEY_REUSED",
    ):
        assert name in text, name
