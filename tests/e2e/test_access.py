"""Who may call at all (bearer tokens), what each role may do, and the sales rep's owner rule."""

from __future__ import annotations

import base64
import re
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

VIEWER = "{ viewer { role user { name } } }"
LEAD_FIELDS = "id title status version owner { name }"
CREATE_LEAD = f"""mutation($i: CreateLeadInput!) {{ createLead(input: $i) {{
  lead {{ {LEAD_FIELDS} }} errors {{ code field message }} }} }}"""
UPDATE_LEAD = f"""mutation($i: UpdateLeadInput!) {{ updateLead(input: $i) {{
  lead {{ {LEAD_FIELDS} }} errors {{ code field message }} }} }}"""
CONVERT_LEAD = """mutation($i: ConvertLeadInput!) { convertLead(input: $i) {
  lead { id status } account { id } contact { id } opportunity { id } errors { code field message } } }"""
LEAD_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Lead {{ {LEAD_FIELDS} }} }} }}"
LEADS = """query($search: String) { leads(first: 100, filter: {search: $search}) {
  totalCount edges { node { id title } } } }"""


def made_up_id(type_name: str) -> str:
    """A well-formed global id of the type that no record has."""
    return base64.b64encode(f"{type_name}:987654".encode()).decode()


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:10]}"


# --- authentication -------------------------------------------------------------------------------


def test_a_request_without_a_token_is_refused_with_401(server):
    response = server.client(None).post(VIEWER)
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["Bearer sf_not-a-real-token", "Bearer", "Basic YWRtaW46YWRtaW4=", "sf_bare"])
def test_a_request_with_a_bad_token_is_refused_with_401(server, header):
    response = server.http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": header})
    assert response.status_code == 401
    assert "Traceback" not in response.text


def test_a_get_query_without_a_token_is_refused_with_401(server):
    assert server.http.get("/graphql", params={"query": VIEWER}).status_code == 401


def test_the_first_admin_token_printed_at_start_works(admin):
    assert admin.run(VIEWER)["viewer"] == {"role": "admin", "user": {"name": "admin"}}


@pytest.mark.parametrize("token", [None, "sf_not-a-real-token"], ids=["no token", "bad token"])
def test_a_websocket_without_a_valid_token_is_closed_4403_and_never_acked(server, token):
    socket = server.connect(token)
    with pytest.raises(ConnectionClosed) as closed:
        first = socket.open()
        pytest.fail(f"expected the socket to be closed, got {first}")
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    socket.close()


# --- roles ------------------------------------------------------------------------------------------


def test_an_accountant_may_not_create_a_lead_and_nothing_is_created(server, admin):
    (accountant,) = server.users("accountant")
    title = unique("Accountant's lead")
    body = accountant.execute(CREATE_LEAD, {"i": {"title": title}})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["createLead"]
    assert admin.run(LEADS, {"search": title})["leads"]["totalCount"] == 0


def test_an_accountant_issues_an_invoice_sales_made_ready(server, admin):
    (accountant,) = server.users("accountant")
    opp = admin.mutate(
        "createOpportunity",
        """mutation($i: CreateOpportunityInput!) {
      createOpportunity(input: $i) { opportunity { id } errors { code field message } } }""",
        {"i": {"title": unique("Chairs"), "currency": "EUR"}},
    )["opportunity"]
    order = admin.mutate(
        "createOrder",
        """mutation($i: CreateOrderInput!) { createOrder(input: $i) {
      order { id lines { id } } errors { code field message } } }""",
        {
            "i": {
                "opportunityId": opp["id"],
                "currency": "EUR",
                "lines": [{"description": "Chair", "quantity": "4", "unitPrice": "120.50", "taxRate": "19"}],
            }
        },
    )["order"]
    delivered = admin.mutate(
        "recordDelivery",
        """mutation($i: RecordDeliveryInput!) { recordDelivery(input: $i) {
      invoice { id status } errors { code field message } } }""",
        {"i": {"orderId": order["id"], "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "4"}]}},
    )
    assert delivered["invoice"]["status"] == "DRAFT"

    issued = accountant.mutate(
        "issueInvoice",
        """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) {
      invoice { id status number total amountDue } errors { code field message } } }""",
        {"i": {"invoiceId": delivered["invoice"]["id"]}},
    )["invoice"]
    assert issued["status"] == "ISSUED" and issued["number"].startswith("INV/")
    assert issued["amountDue"] == issued["total"] == "573.58"


# --- owner rules --------------------------------------------------------------------------------------


def _error(payload: dict) -> dict:
    assert payload["lead"] is None and len(payload["errors"]) == 1, payload
    error = payload["errors"][0]
    return {
        "code": error["code"],
        "field": error["field"],
        "message": re.sub(r"\d+", "N", error["message"]),
    }  # the id aside, word for word


def test_a_sales_rep_cannot_see_or_touch_another_reps_lead_and_a_manager_can(server):
    rep_a, rep_b, manager = server.users("sales_rep", "sales_rep", "sales_manager")
    title = unique("Rep A's secret lead")
    lead = rep_a.mutate("createLead", CREATE_LEAD, {"i": {"title": title}})["lead"]
    own = rep_b.mutate("createLead", CREATE_LEAD, {"i": {"title": unique("Rep B's own lead")}})["lead"]
    assert lead["owner"]["name"] == rep_a.name

    # Rep B: not by id, not in lists, not in counts.
    assert rep_b.run(LEAD_NODE, {"id": lead["id"]})["node"] is None
    assert rep_b.run("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [lead["id"], own["id"]]})["nodes"] == [
        None,
        {"id": own["id"]},
    ]
    listed = rep_b.run(LEADS)["leads"]
    assert listed["totalCount"] == 1 and [e["node"]["id"] for e in listed["edges"]] == [own["id"]]
    assert rep_b.run(LEADS, {"search": title})["leads"]["totalCount"] == 0

    # Rep B's mutations on it answer exactly as for an id that does not exist.
    fake = made_up_id("Lead")
    for query, name, extra in (
        (UPDATE_LEAD, "updateLead", {"title": "hijacked"}),
        (CONVERT_LEAD, "convertLead", {"opportunityTitle": "hijacked"}),
    ):
        on_hidden = rep_b.run(query, {"i": {"leadId": lead["id"], **extra}})[name]
        on_missing = rep_b.run(query, {"i": {"leadId": fake, **extra}})[name]
        assert _error(on_hidden)["code"] == "NOT_FOUND"
        assert _error(on_hidden) == _error(on_missing), (on_hidden, on_missing)

    # Nothing changed, and the owner and a manager still see it as it was.
    assert rep_a.run(LEAD_NODE, {"id": lead["id"]})["node"] == lead
    assert manager.run(LEAD_NODE, {"id": lead["id"]})["node"] == lead
    seen_by_manager = manager.run(LEADS, {"search": title})["leads"]
    assert seen_by_manager["totalCount"] == 1 and seen_by_manager["edges"][0]["node"]["id"] == lead["id"]
