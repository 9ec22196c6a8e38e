"""Bad requests are answered with a GraphQL error or a coded UserError: never an HTTP 500, never a
stack trace in the body, and the store is left exactly as it was (row counts of every table and the
number-series counters compared before and after).

The requests go through a TestClient that turns server exceptions into HTTP 500 responses (as a real
server would), so a crash shows up as a 500 here instead of an exception in the test.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pytest
from starlette.testclient import TestClient

from salesflow.schema.core.cursors import seal

MADE_UP_LEAD = base64.b64encode(b"Lead:987654").decode()
HUGE_LEAD = base64.b64encode(b"Lead:99999999999999999999").decode()
NOT_A_NUMBER_LEAD = base64.b64encode(b"Lead:abc").decode()


def cursor(value, ident) -> str:
    """A cursor sealed as the server seals those of `leads` (newest first), around any position."""
    return seal("leads:created_at:desc", value, ident)


class World:
    """The records the bad inputs aim at, each made on first use (most cases need none)."""

    def __init__(self, sales):
        self.sales = sales

    @cached_property
    def lead(self) -> str:
        return self.sales.lead("ACME renewal", contactName="Ada", companyName="ACME GmbH")["id"]

    @cached_property
    def opportunity(self) -> str:
        return self.sales.opportunity("Chairs for HQ")["id"]

    @cached_property
    def account(self) -> str:
        return self.sales.client.mutate(
            "createAccount", 'mutation { createAccount(input: {name: "Globex"}) { account { id } errors { code } } }'
        )["account"]["id"]


@pytest.fixture
def world(sales) -> World:
    return World(sales)


class Http:
    """POST/GET /graphql as the admin; a server exception comes back as a 500 response."""

    def __init__(self, app, token):
        self.client = TestClient(app, raise_server_exceptions=False)
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, query: str, variables: dict | None = None):
        return self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers)

    def raw(self, content: bytes, content_type: str = "application/json"):
        return self.client.post("/graphql", content=content, headers={**self.headers, "content-type": content_type})

    def get(self, query: str):
        return self.client.get("/graphql", params={"query": query}, headers=self.headers)

    def put(self, query: str):
        return self.client.put("/graphql", json={"query": query}, headers=self.headers)


@pytest.fixture
def http(gateway, admin) -> Http:
    return Http(gateway.app, admin.token)


# What a refusal must look like ------------------------------------------------------------------


@dataclass(frozen=True)
class GraphQLError:
    """Top-level errors (not a masked crash), no data for the field."""


@dataclass(frozen=True)
class HttpError:
    status: int = 400
    code: str = "BAD_REQUEST"


@dataclass(frozen=True)
class UserError:
    mutation: str
    code: str
    field: list


LEAD_LIST = "query($f: Int, $a: String) { leads(first: $f, after: $a) { totalCount edges { cursor } } }"
CREATE_LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } errors { code field message } } }"
CONVERT = (
    "mutation($i: ConvertLeadInput!) { convertLead(input: $i) { opportunity { id } errors { code field message } } }"
)
MARK = "mutation($i: MarkLeadContactedInput!) { markLeadContacted(input: $i) { lead { id } errors { code field message } } }"
CREATE_OPP = (
    "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id } "
    "errors { code field message } } }"
)
QUOTE = (
    "mutation($i: ConvertOpportunityToQuoteInput!) { convertOpportunityToQuote(input: $i) { quote { id } "
    "errors { code field message } } }"
)


def _line(**changes) -> dict:
    return {"description": "Widgets", "quantity": "10", "unitPrice": "99.90", "taxRate": "19", **changes}


def _quote(world, line) -> tuple:
    return QUOTE, {
        "i": {"opportunityId": world.opportunity, "kind": "PROFORMA", "validUntil": "2099-12-31", "lines": [line]}
    }


def _decimal(value) -> Callable:
    return lambda w: (CREATE_OPP, {"i": {"title": "Desks", "currency": "EUR", "amount": value}})


def _deep(levels: int) -> str:
    inner = "title"
    for _ in range(levels):
        inner = f"account {{ opportunities {{ {inner} }} }}"
    return "{ opportunities { edges { node { %s } } } }" % inner


#: name -> (what to send, what must come back). A request is a (query, variables) pair or a raw call.
CASES: dict[str, tuple[Callable, object]] = {
    # the HTTP body itself
    "malformed JSON body": (lambda w, h: h.raw(b'{"query": "{ viewer { role } }"'), HttpError()),
    "a body that is not JSON at all": (lambda w, h: h.raw(b"\x00\xffgarbage"), HttpError()),
    "a JSON string as the body": (lambda w, h: h.raw(b'"{ viewer { role } }"'), HttpError()),
    "a JSON number as the body": (lambda w, h: h.raw(b"42"), HttpError()),
    "a JSON null as the body": (lambda w, h: h.raw(b"null"), HttpError()),
    "variables that are not an object": (
        lambda w, h: h.raw(json.dumps({"query": "{ viewer { role } }", "variables": [1]}).encode()),
        HttpError(),
    ),
    "a body with no query": (lambda w, h: h.raw(b'{"variables": {}}'), HttpError()),
    "a mutation via GET": (
        lambda w, h: h.get('mutation { createLead(input: {title: "via GET"}) { errors { code } } }'),
        HttpError(),
    ),
    "a PUT": (lambda w, h: h.put("{ viewer { role } }"), HttpError(405, "METHOD_NOT_ALLOWED")),
    "a syntax error": (lambda w: ("{ leads { ", None), GraphQLError()),
    # the document against the schema
    "an unknown field in a query": (lambda w: ("{ leads { edges { node { id salary } } } }", None), GraphQLError()),
    "an unknown input field": (lambda w: (CREATE_LEAD, {"i": {"title": "x", "budget": "1000"}}), GraphQLError()),
    "an unknown enum value (literal)": (
        lambda w: ("{ leads(filter: {status: [SLEEPING]}) { totalCount } }", None),
        GraphQLError(),
    ),
    "an unknown enum value (variable)": (
        lambda w: ("query($s: [LeadStatus!]) { leads(filter: {status: $s}) { totalCount } }", {"s": ["SLEEPING"]}),
        GraphQLError(),
    ),
    "an unknown enum value in an input": (
        lambda w: (QUOTE, {"i": {"opportunityId": w.opportunity, "kind": "OFFER"}}),
        GraphQLError(),
    ),
    "an Int given a string": (lambda w: (LEAD_LIST, {"f": "ten"}), GraphQLError()),
    "an Int given a string literal": (lambda w: ('{ leads(first: "ten") { totalCount } }', None), GraphQLError()),
    "an Int beyond 32 bits": (lambda w: (LEAD_LIST, {"f": 2**40}), GraphQLError()),
    "a Decimal given a JSON float": (_decimal(1.5), GraphQLError()),
    "a Decimal given a float literal": (
        lambda w: (
            'mutation { createOpportunity(input: {title: "x", currency: "EUR", amount: 1.5}) { errors { code } } }',
            None,
        ),
        GraphQLError(),
    ),
    "a Decimal given a boolean": (_decimal(True), GraphQLError()),
    "a Decimal given 'abc'": (_decimal("abc"), GraphQLError()),
    "a Decimal given 'NaN'": (_decimal("NaN"), GraphQLError()),
    "a Decimal given 'sNaN'": (_decimal("sNaN"), GraphQLError()),
    "a Decimal given 'Infinity'": (_decimal("Infinity"), GraphQLError()),
    "a Decimal given '-Infinity'": (_decimal("-Infinity"), GraphQLError()),
    "a Decimal too large": (_decimal("1e400"), UserError("createOpportunity", "VALIDATION", ["amount"])),
    "a DateTime that is not one": (
        lambda w: ('{ leads(filter: {createdAfter: "yesterday"}) { totalCount } }', None),
        GraphQLError(),
    ),
    "a DateTime without a time zone": (
        lambda w: ('{ leads(filter: {createdAfter: "2020-01-01T00:00:00"}) { totalCount } }', None),
        GraphQLError(),
    ),
    # ids
    "an Account id as leadId": (
        lambda w: (CONVERT, {"i": {"leadId": w.account}}),
        UserError("convertLead", "NOT_FOUND", ["leadId"]),
    ),
    "an Opportunity id as leadId": (
        lambda w: (MARK, {"i": {"leadId": w.opportunity}}),
        UserError("markLeadContacted", "NOT_FOUND", ["leadId"]),
    ),
    "a made-up lead id": (
        lambda w: (CONVERT, {"i": {"leadId": MADE_UP_LEAD}}),
        UserError("convertLead", "NOT_FOUND", ["leadId"]),
    ),
    "a lead id that is not base64": (
        lambda w: (CONVERT, {"i": {"leadId": "!!not-base64!!"}}),
        UserError("convertLead", "NOT_FOUND", ["leadId"]),
    ),
    "a lead id with no number": (
        lambda w: (CONVERT, {"i": {"leadId": NOT_A_NUMBER_LEAD}}),
        UserError("convertLead", "NOT_FOUND", ["leadId"]),
    ),
    "a lead id beyond 64 bits": (
        lambda w: (MARK, {"i": {"leadId": HUGE_LEAD}}),
        UserError("markLeadContacted", "NOT_FOUND", ["leadId"]),
    ),
    "an empty lead id": (lambda w: (CONVERT, {"i": {"leadId": ""}}), UserError("convertLead", "NOT_FOUND", ["leadId"])),
    "a made-up ownerId": (
        lambda w: (CREATE_LEAD, {"i": {"title": "x", "ownerId": base64.b64encode(b"User:9999").decode()}}),
        UserError("createLead", "NOT_FOUND", ["ownerId"]),
    ),
    "an ownerId filter that is no id": (
        lambda w: ('{ leads(filter: {ownerId: "garbage"}) { totalCount } }', None),
        GraphQLError(),
    ),
    # pages
    "a negative first": (lambda w: (LEAD_LIST, {"f": -1}), GraphQLError()),
    "first: 101": (lambda w: (LEAD_LIST, {"f": 101}), GraphQLError()),
    "101 ids to nodes": (
        lambda w: ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [w.lead] * 101}),
        GraphQLError(),
    ),
    "a garbage cursor": (lambda w: (LEAD_LIST, {"a": "garbage"}), GraphQLError()),
    "a cursor that is not base64": (lambda w: (LEAD_LIST, {"a": "!!!"}), GraphQLError()),
    "a cursor of the wrong shape": (lambda w: (LEAD_LIST, {"a": cursor(1, 2)}), GraphQLError()),
    "a cursor whose sort value is no timestamp": (lambda w: (LEAD_LIST, {"a": cursor("abc", 1)}), GraphQLError()),
    "a cursor whose timestamp has no time zone": (
        lambda w: (LEAD_LIST, {"a": cursor("2026-01-01", 1)}),
        GraphQLError(),
    ),
    "a cursor whose id is beyond 64 bits": (
        lambda w: (LEAD_LIST, {"a": cursor("2026-01-01T00:00:00+00:00", 10**30)}),
        GraphQLError(),
    ),
    "ordering by a field the list lacks": (
        lambda w: ("{ leads(orderBy: {field: TOTAL}) { totalCount } }", None),
        GraphQLError(),
    ),
    # text and numbers in inputs
    "a title over 200 characters": (
        lambda w: (CREATE_LEAD, {"i": {"title": "x" * 201}}),
        UserError("createLead", "VALIDATION", ["title"]),
    ),
    "a company name over 200 characters": (
        lambda w: (CREATE_LEAD, {"i": {"title": "x", "companyName": "y" * 201}}),
        UserError("createLead", "VALIDATION", ["companyName"]),
    ),
    "an opportunity title over 200 characters": (
        lambda w: (CREATE_OPP, {"i": {"title": "z" * 201}}),
        UserError("createOpportunity", "VALIDATION", ["title"]),
    ),
    "a blank title": (
        lambda w: (CREATE_LEAD, {"i": {"title": "   "}}),
        UserError("createLead", "VALIDATION", ["title"]),
    ),
    "a quantity with 7 decimals": (
        lambda w: _quote(w, _line(quantity="1.1234567")),
        UserError("convertOpportunityToQuote", "VALIDATION", ["lines", "0", "quantity"]),
    ),
    "a negative price": (
        lambda w: _quote(w, _line(unitPrice="-1")),
        UserError("convertOpportunityToQuote", "VALIDATION", ["lines", "0", "unitPrice"]),
    ),
    "a zero quantity": (
        lambda w: _quote(w, _line(quantity="0")),
        UserError("convertOpportunityToQuote", "VALIDATION", ["lines", "0", "quantity"]),
    ),
    "a discount over 100 %": (
        lambda w: _quote(w, _line(discountPercent="100.5")),
        UserError("convertOpportunityToQuote", "VALIDATION", ["lines", "0", "discountPercent"]),
    ),
    "an unknown currency": (
        lambda w: (CREATE_OPP, {"i": {"title": "x", "currency": "XYZ"}}),
        UserError("createOpportunity", "UNKNOWN_CURRENCY", ["currency"]),
    ),
    # abuse limits
    "a query deeper than 10": (lambda w: (_deep(5), None), GraphQLError()),
    "more than 15 aliases": (
        lambda w: ("{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(16)) + " }", None),
        GraphQLError(),
    ),
    "more than 2000 tokens": (lambda w: ("{ viewer { " + "role " * 2001 + "} }", None), GraphQLError()),
}


def _check(response, expected, no_leak) -> None:
    assert response.status_code != 500, f"HTTP 500: {response.text[:500]}"
    no_leak(response.text)
    if isinstance(expected, HttpError):  # refused before GraphQL ran: still a GraphQL response clients can parse
        assert response.status_code == expected.status, (response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("application/json"), response.headers
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == expected.code and error["message"], error
        return
    assert response.status_code == 200, (response.status_code, response.text[:300])
    body = response.json()
    codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_SERVER_ERROR" not in codes, f"a crash, masked: {body}"
    if isinstance(expected, GraphQLError):
        assert body.get("errors"), body
        data = body.get("data")
        assert data is None or all(v is None for v in data.values()), body
        return
    assert "errors" not in body, body
    payload = body["data"][expected.mutation]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(expected.code, expected.field)], payload
    assert all(v is None for k, v in payload.items() if k != "errors"), payload


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_cleanly_and_changes_nothing(case, world, http, store_snapshot, no_leak):
    send, expected = CASES[case]
    if send.__code__.co_argcount == 2:  # a raw HTTP call
        before = store_snapshot()
        response = send(world, http)
    else:
        request = send(world)  # makes the records it aims at
        before = store_snapshot()
        response = http.post(*request)
    _check(response, expected, no_leak)
    assert store_snapshot() == before, "a refused request changed the store"


def _deep_and_cheap(levels: int) -> str:
    """As deep as _deep, through single references only (opportunity › lead › convertedOpportunity › …)."""
    path = ["opportunities(first: 1)", "edges", "node"]
    while len(path) < levels - 1:
        path.append("convertedOpportunity" if path[-1] == "lead" else "lead")
    return "{ " + " { ".join(path) + " { id" + " }" * len(path) + " }"


def test_a_depth_of_ten_is_still_allowed(http, world):
    """The limit is a limit, not a ban on nesting: the deepest allowed query runs (when it is cheap:
    nested lists are priced by the cost limit)."""
    body = http.post(_deep_and_cheap(10)).json()
    assert "errors" not in body, body


def test_fifteen_aliases_are_still_allowed(http):
    body = http.post("{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(15)) + " }").json()
    assert "errors" not in body and len(body["data"]) == 15, body


def test_a_query_via_get_is_answered(http):
    response = http.get("{ viewer { role } }")
    assert response.status_code == 200 and response.json()["data"] == {"viewer": {"role": "admin"}}


@pytest.mark.parametrize(
    "ident",
    [
        MADE_UP_LEAD,
        "!!not-base64!!",
        "",
        NOT_A_NUMBER_LEAD,
        base64.b64encode(b"Nothing:1").decode(),
        base64.b64encode(b"OrderLine:1").decode(),
        base64.b64encode(b"Lead:-1").decode(),
        HUGE_LEAD,
    ],
    ids=[
        "made-up",
        "not base64",
        "empty",
        "no number",
        "unknown type",
        "not a node type",
        "negative",
        "beyond 64 bits",
    ],
)
def test_node_answers_null_for_an_id_that_names_nothing(ident, http, world, no_leak):
    """`node(id)`: "null if there is none the viewer may see" — not an error, and never a crash."""
    response = http.post("query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }", {"id": ident})
    assert response.status_code == 200
    no_leak(response.text)
    assert response.json()["data"] == {"node": None, "nodes": [None]} and "errors" not in response.json()
