"""What a viewer may do to a document now: its lifecycle's allowed triggers, as mutation names,
kept to those the viewer's role may perform. The table is data, read once."""
from __future__ import annotations

#: document type -> trigger -> (mutation, permission, model the permission is on)
ACTIONS: dict[str, dict[str, tuple[str, str, str]]] = {
    "lead": {
        "mark_contacted": ("markLeadContacted", "write", "lead"),
        "convert": ("convertLead", "write", "lead"),
        "disqualify": ("disqualifyLead", "write", "lead"),
        "reactivate": ("reactivateLead", "write", "lead"),
    },
    "opportunity": {
        "move_stage": ("moveOpportunityStage", "write", "opportunity"),
        "win": ("winOpportunity", "write", "opportunity"),
        "lose": ("loseOpportunity", "write", "opportunity"),
        "reopen": ("reopenOpportunity", "write", "opportunity"),
    },
    "quote": {
        "send": ("sendQuote", "write", "quote"),
        "accept": ("convertQuoteToOrder", "create", "order"),
        "reject": ("rejectQuote", "write", "quote"),
        "revise": ("reviseQuote", "create", "quote"),
        "cancel": ("cancelQuote", "write", "quote"),
        "expire": ("expireQuote", "write", "quote"),
    },
    "order": {
        "deliver": ("recordDelivery", "create", "delivery"),
        "cancel": ("cancelOrder", "write", "order"),
    },
    "invoice": {
        "issue": ("issueInvoice", "write", "invoice"),
        "pay": ("recordPayment", "create", "payment"),
        "void": ("voidInvoice", "write", "invoice"),
    },
}

#: Actions that are not a transition of the document itself, with the state they need.
EXTRA: dict[str, list[tuple[str, tuple[str, ...], str, str, str]]] = {
    "lead": [("updateLead", ("new", "working"), "write", "lead", "")],
    "opportunity": [("updateOpportunity", ("open",), "write", "opportunity", ""),
                    ("convertOpportunityToQuote", ("open",), "create", "quote", ""),
                    ("createOrder", ("open", "won"), "create", "order", "")],
    "quote": [("updateQuote", ("draft",), "write", "quote", "")],
    "order": [("convertOrderToInvoice", ("open", "partially_delivered", "delivered"), "create", "invoice",
               "invoiceable")],
    "invoice": [],
}
