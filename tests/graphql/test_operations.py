"""Permissions follow the operation: writing invoices is not enough to issue one. Each role calls the
sensitive mutations on documents it could otherwise touch (a rep's own); a role that may not run
one gets a top-level FORBIDDEN and the store (number series included) does not change."""

from __future__ import annotations

import uuid

import pytest

from salesflow.domain.access import ROLES, default_policy

POLICY = default_policy()

#: Who runs what (security/operations.csv), written out: the matrix the tests hold the gateway to.
WHO = {
    "issueInvoice": {"sales_manager", "accountant", "admin"},
    "voidInvoice": {"accountant", "admin"},
    "recordPayment": {"accountant", "integration", "admin"},
    "convertOrderToInvoice": {"sales_manager", "accountant", "admin"},
    "retryInvoiceSync": {"accountant", "admin"},
    "cancelOrder": {"sales_rep", "sales_manager", "admin"},
    "createStage": {"sales_manager", "admin"},
    "updateStage": {"sales_manager", "admin"},
    "reorderStages": {"sales_manager", "admin"},
}
INPUT_TYPES = {
    "issueInvoice": "IssueInvoiceInput",
    "voidInvoice": "VoidInvoiceInput",
    "recordPayment": "RecordPaymentInput",
    "convertOrderToInvoice": "ConvertOrderToInvoiceInput",
    "retryInvoiceSync": "RetryInvoiceSyncInput",
    "cancelOrder": "CancelOrderInput",
    "createStage": "CreateStageInput",
    "updateStage": "UpdateStageInput",
    "reorderStages": "ReorderStagesInput",
}


class Inputs:
    """An input for each mutation, on documents the admin made for `owner`."""

    def __init__(self, admin, owner: str):
        self.admin, self.owner = admin, owner

    def _order(self, policy="PER_DELIVERY"):
        return self.admin.order(
            self.admin.opportunity(f"Deal {uuid.uuid4().hex[:6]}", ownerId=self.owner)["id"], policy=policy
        )

    def _issued(self):
        return self.admin.issue(self.admin.deliver(self._order())["invoice"]["id"])

    def issueInvoice(self):
        return {"invoiceId": self.admin.deliver(self._order())["invoice"]["id"]}

    def voidInvoice(self):
        return {"invoiceId": self._issued()["id"], "reason": "wrong address"}

    def recordPayment(self):
        return {"invoiceId": self._issued()["id"], "amount": "10.00"}

    def convertOrderToInvoice(self):
        order = self._order("MANUAL")
        self.admin.deliver(order, {0: "1"})
        return {"orderId": order["id"]}

    def retryInvoiceSync(self):
        return {"invoiceId": self._issued()["id"]}

    def cancelOrder(self):
        return {"orderId": self._order()["id"], "reason": "changed their mind"}

    def createStage(self):
        return {"name": f"Stage {uuid.uuid4().hex[:6]}", "probability": "40"}

    def updateStage(self):
        return {"stageId": self.admin.stages()["Proposal"]["id"], "probability": "55"}

    def reorderStages(self):
        return {"stageIds": [s["id"] for s in reversed(list(self.admin.stages().values()))]}


def test_the_matrix_here_is_the_one_in_operations_csv():
    assert {op: {r for r in ROLES if POLICY.may_run(r, op)} for op in WHO} == WHO


@pytest.mark.parametrize("role", ROLES)
def test_each_role_runs_exactly_the_operations_its_duties_allow(role, sales, as_user, store_snapshot):
    user = as_user(f"user-{role}", role)
    inputs = Inputs(sales, user.viewer()["user"]["id"])
    wrong = []
    for name, input_type in INPUT_TYPES.items():
        data = getattr(inputs, name)()
        before = store_snapshot()
        body = user.client.post(
            f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ errors {{ code message }} }} }}", {"i": data}
        )
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        if role in WHO[name]:
            if codes or body["data"][name]["errors"]:
                wrong.append(f"{role} may run {name}, but: {body}")
        else:
            if codes != ["FORBIDDEN"] or body.get("data") is not None:
                wrong.append(f"{role} may not run {name}, yet it answered {body}")
            if store_snapshot() != before:
                wrong.append(f"{name} was refused to {role}, but the store changed")
    assert not wrong, "\n".join(wrong)


def test_an_integration_cannot_use_up_an_invoice_number(sales, as_user, store_snapshot):
    integration = as_user("bank-feed", "integration").client
    draft = sales.deliver(sales.order())["invoice"]
    before = store_snapshot()
    body = integration.post(
        "mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { number } } }",
        {"i": {"invoiceId": draft["id"]}},
    )
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert store_snapshot() == before, "the number series did not move"
    assert sales.issue(draft["id"])["number"].endswith("00001"), "the next number is still the first"
