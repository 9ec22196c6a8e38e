"""What a viewer may do to a document now: its lifecycle's allowed triggers, as mutation names,
kept to those the viewer's role may run (security/operations.csv, the rule mutations obey too).
The tables are data, read once."""

from __future__ import annotations

#: document type -> trigger -> the mutation that fires it
ACTIONS: dict[str, dict[str, str]] = {
    "lead": {
        "mark_contacted": "markLeadContacted",
        "convert": "convertLead",
        "disqualify": "disqualifyLead",
        "reactivate": "reactivateLead",
    },
    "opportunity": {
        "move_stage": "moveOpportunityStage",
        "win": "winOpportunity",
        "lose": "loseOpportunity",
        "reopen": "reopenOpportunity",
    },
    "quote": {
        "send": "sendQuote",
        "accept": "convertQuoteToOrder",
        "reject": "rejectQuote",
        "revise": "reviseQuote",
        "cancel": "cancelQuote",
        "expire": "expireQuote",
    },
    "order": {
        "deliver": "recordDelivery",
        "cancel": "cancelOrder",
    },
    "invoice": {
        "issue": "issueInvoice",
        "pay": "recordPayment",
        "void": "voidInvoice",
    },
}

#: Actions that are not a transition of the document itself: (mutation, the states it needs, a
#: condition on the document by name, "" for none).
EXTRA: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "lead": [("updateLead", ("new", "working"), "")],
    "opportunity": [
        ("updateOpportunity", ("open",), ""),
        ("convertOpportunityToQuote", ("open",), ""),
        ("createOrder", ("open", "won"), ""),
    ],
    "quote": [("updateQuote", ("draft",), "")],
    "order": [("convertOrderToInvoice", ("open", "partially_delivered", "delivered"), "invoiceable")],
    "invoice": [],
}
