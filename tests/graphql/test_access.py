"""Who may do what: the roles of security/access.csv, read here through `default_policy()`, decide
which mutations and lists answer and which are a top-level FORBIDDEN that changes nothing; a sales
rep sees and touches only its own leads, opportunities and quotes (another rep's are as missing as
a made-up id); no token, no answer (401).
"""

from __future__ import annotations

import base64
import re
import uuid

import pytest

from salesflow.domain.access import ROLES, default_policy

POLICY = default_policy()


def _mutation(name: str, input_type: str, result: str | None = None) -> str:
    picked = f"{result} {{ id }} " if result else ""
    return f"mutation($i: {input_type}!) {{ {name}(input: $i) {{ {picked}errors {{ code field message }} }} }}"


class Prepare:
    """Inputs for each mutation, with what it acts on made beforehand by the admin for `owner`."""

    def __init__(self, admin, owner_id: str, gq):
        self.admin, self.owner, self.gq = admin, owner_id, gq

    def _unique(self, text: str) -> str:
        return f"{text} {uuid.uuid4().hex[:8]}"

    def lead(self):
        name = self._unique("Lead")
        return self.admin.lead(
            name, contactName=self._unique("Person"), companyName=self._unique("Company"), ownerId=self.owner
        )

    def opportunity(self):
        return self.admin.opportunity(self._unique("Deal"), ownerId=self.owner)

    def draft_quote(self):
        return self.admin.quote(self.opportunity()["id"])

    def order(self, policy="PER_DELIVERY"):
        return self.admin.order(self.opportunity()["id"], policy=policy)

    # one input per mutation --------------------------------------------------------------------
    def createLead(self):
        return {"title": self._unique("Lead")}

    def updateLead(self):
        return {"leadId": self.lead()["id"], "title": "Renamed"}

    def markLeadContacted(self):
        return {"leadId": self.lead()["id"]}

    def disqualifyLead(self):
        return {"leadId": self.lead()["id"], "reason": "no budget"}

    def convertLead(self):
        return {"leadId": self.lead()["id"]}

    def createAccount(self):
        return {"name": self._unique("Account")}

    def createOpportunity(self):
        return {"title": self._unique("Deal"), "currency": "EUR"}

    def moveOpportunityStage(self):
        return {"opportunityId": self.opportunity()["id"], "stageId": self.admin.stages()["Proposal"]["id"]}

    def loseOpportunity(self):
        return {"opportunityId": self.opportunity()["id"], "reason": "went elsewhere"}

    def convertOpportunityToQuote(self):
        return {
            "opportunityId": self.opportunity()["id"],
            "kind": "PROFORMA",
            "validUntil": self.gq.valid_until(),
            "lines": [self.gq.WIDGETS],
        }

    def sendQuote(self):
        return {"quoteId": self.draft_quote()["id"]}

    def convertQuoteToOrder(self):
        return {"quoteId": self.admin.send(self.draft_quote()["id"])["id"]}

    def createOrder(self):
        return {"opportunityId": self.opportunity()["id"], "currency": "EUR", "lines": [self.gq.WIDGETS]}

    def recordDelivery(self):
        order = self.order()
        return {"orderId": order["id"], "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}]}

    def convertOrderToInvoice(self):
        order = self.order("MANUAL")
        self.admin.deliver(order, {0: "2"})
        return {"orderId": order["id"]}

    def issueInvoice(self):
        return {"invoiceId": self.admin.deliver(self.order())["invoice"]["id"]}

    def voidInvoice(self):
        invoice = self.admin.issue(self.admin.deliver(self.order())["invoice"]["id"])
        return {"invoiceId": invoice["id"], "reason": "typo"}

    def recordPayment(self):
        invoice = self.admin.issue(self.admin.deliver(self.order())["invoice"]["id"])
        return {"invoiceId": invoice["id"], "amount": "10.00"}

    def createStage(self):
        return {"name": self._unique("Stage"), "probability": "50"}

    def updateCompany(self):
        return {"phone": self._unique("+98 21")}


#: mutation -> (its input type, the (permission, model) pairs its contract needs)
MUTATIONS = {
    "createLead": ("CreateLeadInput", [("create", "lead")]),
    "updateLead": ("UpdateLeadInput", [("write", "lead")]),
    "markLeadContacted": ("MarkLeadContactedInput", [("write", "lead")]),
    "disqualifyLead": ("DisqualifyLeadInput", [("write", "lead")]),
    "convertLead": (
        "ConvertLeadInput",
        [("write", "lead"), ("create", "account"), ("create", "contact"), ("create", "opportunity")],
    ),
    "createAccount": ("CreateAccountInput", [("create", "account")]),
    "createOpportunity": ("CreateOpportunityInput", [("create", "opportunity")]),
    "moveOpportunityStage": ("MoveOpportunityStageInput", [("write", "opportunity")]),
    "loseOpportunity": ("LoseOpportunityInput", [("write", "opportunity")]),
    "convertOpportunityToQuote": ("ConvertOpportunityToQuoteInput", [("create", "quote")]),
    "sendQuote": ("SendQuoteInput", [("write", "quote")]),
    "convertQuoteToOrder": ("ConvertQuoteToOrderInput", [("create", "order")]),
    "createOrder": ("CreateOrderInput", [("create", "order")]),
    "recordDelivery": ("RecordDeliveryInput", [("create", "delivery")]),
    "convertOrderToInvoice": ("ConvertOrderToInvoiceInput", [("create", "invoice")]),
    "issueInvoice": ("IssueInvoiceInput", [("write", "invoice")]),
    "voidInvoice": ("VoidInvoiceInput", [("write", "invoice")]),
    "recordPayment": ("RecordPaymentInput", [("create", "payment"), ("write", "invoice")]),
    "createStage": ("CreateStageInput", [("create", "stage")]),
    "updateCompany": ("UpdateCompanyInput", [("write", "company")]),
}

#: list -> the models it reads
LISTS = {
    "leads": ["lead"],
    "accounts": ["account"],
    "contacts": ["contact"],
    "opportunities": ["opportunity"],
    "quotes": ["quote"],
    "orders": ["order"],
    "invoices": ["invoice"],
}
OTHER_QUERIES = {
    "{ stages { id } }": ["stage"],
    "{ pipeline { count } }": ["opportunity", "stage"],
    "{ company { legalName } }": ["company"],
}


def allowed(role: str, name: str, needs) -> bool:
    """The right to run the operation (operations.csv) and to write what it writes (access.csv)."""
    return POLICY.may_run(role, name) and all(POLICY.may(role, perm, model) for perm, model in needs)


def answer(body: dict) -> dict:
    """The body without its `extensions` (the query's cost, which every answer reports)."""
    return {k: v for k, v in body.items() if k != "extensions"}


def forbidden_codes(body: dict) -> list:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def test_every_role_in_access_csv_is_a_role_of_the_gateway():
    assert {role for (role, _p, _m) in POLICY.grants} == set(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_call_the_mutations_its_permissions_allow(role, gateway, sales, as_user, gq, store_snapshot):
    user = as_user(f"user-{role}", role)
    owner = user.viewer()["user"]["id"]
    prepare = Prepare(sales, owner, gq)
    wrong = []
    for name, (input_type, needs) in MUTATIONS.items():
        data = getattr(prepare, name)()
        before = store_snapshot()
        body = user.client.post(_mutation(name, input_type), {"i": data})
        if allowed(role, name, needs):
            if "errors" in body or body["data"][name]["errors"]:
                wrong.append(f"{name}: allowed by security/ for {role} but refused: {body}")
        else:
            if forbidden_codes(body) != ["FORBIDDEN"] or (body.get("data") or {}).get(name) is not None:
                wrong.append(f"{name}: not allowed for {role} by security/, yet answered {body}")
            if store_snapshot() != before:
                wrong.append(f"{name}: refused for {role} but the store changed")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_read_the_lists_its_permissions_allow(role, sales, as_user):
    sales.issue(sales.deliver(sales.order())["invoice"]["id"])  # one of everything
    client = as_user(f"reader-{role}", role).client
    wrong = []
    queries = {"{ %s { totalCount edges { node { id } } } }" % name: models for name, models in LISTS.items()}
    for query, models in {**queries, **OTHER_QUERIES}.items():
        body = client.post(query)
        if all(POLICY.may(role, "read", m) for m in models):
            if "errors" in body:
                wrong.append(f"{query}: readable by {role} but refused: {body['errors']}")
        elif forbidden_codes(body) != ["FORBIDDEN"] or body.get("data") is not None:
            wrong.append(f"{query}: not readable by {role}, yet answered {body}")
    assert not wrong, "\n".join(wrong)


def test_a_role_without_read_access_sees_no_node_of_that_kind(sales, as_user):
    lead = sales.lead("Secret lead")
    body = as_user("acc", "accountant").client.post("query($id: ID!) { node(id: $id) { id } }", {"id": lead["id"]})
    assert not POLICY.may("accountant", "read", "lead")
    assert body.get("data") is None or body["data"]["node"] is None, body


# --- the owner rule for sales reps ---------------------------------------------------------------


@pytest.fixture
def reps(sales, as_user, gq):
    """Two reps: reza and bita, each owning a lead, an opportunity (on one shared account) and a quote."""
    reza, bita = as_user("reza", "sales_rep"), as_user("bita", "sales_rep")
    shared = sales.client.mutate("createAccount", gq.CREATE_ACCOUNT, {"i": {"name": "Shared Account"}})["account"]
    owned = {}
    for rep in (reza, bita):
        owner = rep.viewer()["user"]["id"]
        name = rep.viewer()["user"]["name"]
        opp = sales.opportunity(f"{name}'s deal", ownerId=owner, accountId=shared["id"])
        owned[name] = {
            "user": owner,
            "lead": sales.lead(f"{name}'s lead", companyName=f"{name} GmbH", contactName=name, ownerId=owner)["id"],
            "opportunity": opp["id"],
            "quote": sales.quote(opp["id"])["id"],
            "account": shared["id"],
        }
    return reza, bita, owned


def test_a_rep_lists_only_its_own_documents(reps, sales):
    reza, _bita, owned = reps
    data = reza.client.run("""{ leads { totalCount edges { node { id owner { name } } } }
        opportunities { totalCount edges { node { id } } } quotes { totalCount edges { node { id } } }
        accounts { edges { node { id opportunities { id } } } } pipeline { count } }""")
    assert [e["node"]["id"] for e in data["leads"]["edges"]] == [owned["reza"]["lead"]]
    assert data["leads"]["totalCount"] == 1
    assert [e["node"]["id"] for e in data["opportunities"]["edges"]] == [owned["reza"]["opportunity"]]
    assert data["opportunities"]["totalCount"] == 1
    assert [e["node"]["id"] for e in data["quotes"]["edges"]] == [owned["reza"]["quote"]]
    assert data["quotes"]["totalCount"] == 1
    shared = [e["node"] for e in data["accounts"]["edges"] if e["node"]["id"] == owned["reza"]["account"]]
    assert shared and shared[0]["opportunities"] == [{"id": owned["reza"]["opportunity"]}], (
        "a shared account shows a rep only its own opportunities"
    )
    assert sum(p["count"] for p in data["pipeline"]) == 1
    # the manager sees both
    all_leads = sales.client.run("{ leads { totalCount } opportunities { totalCount } quotes { totalCount } }")
    assert all_leads == {"leads": {"totalCount": 2}, "opportunities": {"totalCount": 2}, "quotes": {"totalCount": 2}}


def test_a_rep_filtering_by_another_owner_sees_nothing(reps):
    reza, _bita, owned = reps
    data = reza.client.run(
        "query($o: ID!) { leads(filter: {ownerId: $o}) { totalCount edges { node { id } } } "
        "opportunities(filter: {ownerId: $o}) { totalCount } "
        "quotes(filter: {ownerId: $o}) { totalCount } }",
        {"o": owned["bita"]["user"]},
    )
    assert data == {
        "leads": {"totalCount": 0, "edges": []},
        "opportunities": {"totalCount": 0},
        "quotes": {"totalCount": 0},
    }


def test_another_reps_documents_are_invisible_to_node_and_nodes(reps):
    reza, _bita, owned = reps
    for kind in ("lead", "opportunity", "quote"):
        theirs, mine = owned["bita"][kind], owned["reza"][kind]
        body = reza.client.post("query($id: ID!) { node(id: $id) { id } }", {"id": theirs})
        assert answer(body) == {"data": {"node": None}}, (kind, body)
        body = reza.client.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [theirs, mine]})
        assert answer(body) == {"data": {"nodes": [None, {"id": mine}]}}, (kind, body)
    # and nothing reaches them through a document the rep may see
    body = reza.client.run(
        "query($id: ID!) { node(id: $id) { ... on Account { opportunities { id quotes { id } } } } }",
        {"id": owned["reza"]["account"]},
    )
    assert body["node"]["opportunities"] == [
        {"id": owned["reza"]["opportunity"], "quotes": [{"id": owned["reza"]["quote"]}]}
    ]


def _made_up(global_id: str) -> str:
    type_name = base64.b64decode(global_id).decode().split(":")[0]
    return base64.b64encode(f"{type_name}:987654".encode()).decode()


REP_MUTATIONS = [
    ("markLeadContacted", "MarkLeadContactedInput", "lead", lambda ident, gq: {"leadId": ident}, "leadId"),
    ("updateLead", "UpdateLeadInput", "lead", lambda ident, gq: {"leadId": ident, "title": "Mine now"}, "leadId"),
    ("convertLead", "ConvertLeadInput", "lead", lambda ident, gq: {"leadId": ident}, "leadId"),
    ("disqualifyLead", "DisqualifyLeadInput", "lead", lambda ident, gq: {"leadId": ident, "reason": "x"}, "leadId"),
    (
        "updateOpportunity",
        "UpdateOpportunityInput",
        "opportunity",
        lambda ident, gq: {"opportunityId": ident, "title": "Mine now"},
        "opportunityId",
    ),
    (
        "loseOpportunity",
        "LoseOpportunityInput",
        "opportunity",
        lambda ident, gq: {"opportunityId": ident, "reason": "x"},
        "opportunityId",
    ),
    (
        "convertOpportunityToQuote",
        "ConvertOpportunityToQuoteInput",
        "opportunity",
        lambda ident, gq: {
            "opportunityId": ident,
            "kind": "PROFORMA",
            "validUntil": gq.valid_until(),
            "lines": [gq.WIDGETS],
        },
        "opportunityId",
    ),
    (
        "createOrder",
        "CreateOrderInput",
        "opportunity",
        lambda ident, gq: {"opportunityId": ident, "currency": "EUR", "lines": [gq.WIDGETS]},
        "opportunityId",
    ),
    ("sendQuote", "SendQuoteInput", "quote", lambda ident, gq: {"quoteId": ident}, "quoteId"),
    ("updateQuote", "UpdateQuoteInput", "quote", lambda ident, gq: {"quoteId": ident, "terms": "mine"}, "quoteId"),
    ("reviseQuote", "ReviseQuoteInput", "quote", lambda ident, gq: {"quoteId": ident}, "quoteId"),
    ("cancelQuote", "CancelQuoteInput", "quote", lambda ident, gq: {"quoteId": ident}, "quoteId"),
]


@pytest.mark.parametrize("name,input_type,kind,make,field", REP_MUTATIONS, ids=[m[0] for m in REP_MUTATIONS])
def test_another_reps_document_is_not_found_like_a_made_up_id(
    name, input_type, kind, make, field, reps, gq, store_snapshot
):
    reza, _bita, owned = reps
    query = _mutation(name, input_type)
    before = store_snapshot()
    theirs = reza.client.run(query, {"i": make(owned["bita"][kind], gq)})[name]["errors"]
    made_up = reza.client.run(query, {"i": make(_made_up(owned["bita"][kind]), gq)})[name]["errors"]
    assert [(e["code"], e["field"]) for e in theirs] == [("NOT_FOUND", [field])], theirs
    assert [(e["code"], e["field"]) for e in made_up] == [("NOT_FOUND", [field])], made_up
    assert re.sub(r"\d+", "N", theirs[0]["message"]) == re.sub(r"\d+", "N", made_up[0]["message"]), (
        "another rep's document must be as missing as one that does not exist"
    )
    assert store_snapshot() == before
    # the rep's own document of the same kind is there to act on
    own = reza.client.run(query, {"i": make(owned["reza"][kind], gq)})[name]["errors"]
    assert not any(e["code"] == "NOT_FOUND" for e in own), own


@pytest.mark.parametrize(
    "name,query,data",
    [
        ("createLead", "CREATE_LEAD", {"title": "For bita"}),
        ("createOpportunity", "CREATE_OPPORTUNITY", {"title": "For bita", "currency": "EUR"}),
    ],
)
def test_a_rep_cannot_make_another_user_the_owner(name, query, data, reps, gq, store_snapshot):
    reza, _bita, owned = reps
    before = store_snapshot()
    body = reza.client.post(getattr(gq, query), {"i": {**data, "ownerId": owned["bita"]["user"]}})
    assert forbidden_codes(body) == ["FORBIDDEN"], body
    assert body.get("data") is None, body
    assert store_snapshot() == before
    mine = reza.client.mutate(name, getattr(gq, query), {"i": {**data, "ownerId": owned["reza"]["user"]}})
    made = mine["lead" if name == "createLead" else "opportunity"]
    assert made is not None
    assert (
        reza.client.run("query($id: ID!) { node(id: $id) { ... on Document { owner { name } } } }", {"id": made["id"]})[
            "node"
        ]["owner"]["name"]
        == "reza"
    )


def test_a_rep_converting_its_lead_owns_what_it_becomes(reps, gq):
    reza, _bita, owned = reps
    done = reza.client.mutate("convertLead", gq.CONVERT_LEAD, {"i": {"leadId": owned["reza"]["lead"]}})
    opp = done["opportunity"]
    assert opp is not None and done["lead"]["status"] == "CONVERTED"
    data = reza.client.run("{ opportunities { totalCount } }")
    assert data["opportunities"]["totalCount"] == 2


# --- authentication -------------------------------------------------------------------------------

#: RFC 6750 §3: a request without a bearer token gets the bare challenge; a bad token is named as the reason
BARE = 'Bearer realm="salesflow"'
INVALID = 'Bearer realm="salesflow", error="invalid_token", error_description="the bearer token is not valid"'


@pytest.mark.parametrize(
    "headers, challenge",
    [
        ({}, BARE),
        ({"Authorization": "Bearer not-a-token"}, INVALID),
        ({"Authorization": "Bearer "}, BARE),
        ({"Authorization": "Basic YWRtaW46YWRtaW4="}, BARE),
        ({"Authorization": "not-a-scheme"}, BARE),
    ],
    ids=["no header", "unknown token", "empty token", "basic auth", "no scheme"],
)
def test_a_request_without_a_valid_token_is_a_401_in_graphql_json_with_a_bearer_challenge(
    headers, challenge, gateway, no_leak, store_snapshot
):
    before = store_snapshot()
    for request in (
        {"query": "{ viewer { role } }"},
        {"query": 'mutation { createLead(input: {title: "anonymous"}) { errors { code } } }'},
    ):
        response = gateway.http.post("/graphql", json=request, headers=headers)
        assert response.status_code == 401, (response.status_code, response.text)
        no_leak(response.text)
        assert response.headers["content-type"].startswith("application/json"), response.headers
        assert response.headers["www-authenticate"] == challenge
        (error,) = response.json()["errors"]
        assert error["extensions"] == {"code": "UNAUTHENTICATED"} and "bearer token" in error["message"]
    response = gateway.http.get("/graphql", params={"query": "{ viewer { role } }"}, headers=headers)
    assert response.status_code == 401 and response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert store_snapshot() == before
