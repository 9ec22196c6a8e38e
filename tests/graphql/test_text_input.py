"""Text that clients send: every String input of every mutation, every search and every text argument is
bounded and free of control characters, refused with the same coded error on SQLite and PostgreSQL
(never a 500 on one store and a stored NUL on the other); and lists are searched the way names are typed.

The mutation cases are generated from schema.graphql, so a String input added later is covered too.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    Undefined,
    build_schema,
    get_named_type,
)

import salesflow
from salesflow.domain.lines import MAX_LINES
from salesflow.domain.text import MAX_LENGTH

SCHEMA = build_schema((Path(salesflow.__file__).resolve().parent / "schema.graphql").read_text(encoding="utf-8"))
LISTS = [name for name, f in SCHEMA.query_type.fields.items() if "filter" in f.args]


def gid(type_name: str, ident: int = 987654) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def sample(gql_type, name: str):
    """A value of a required input field that gets a request past the schema (ids of the right type)."""
    named = get_named_type(gql_type)
    if isinstance(gql_type, GraphQLNonNull):
        gql_type = gql_type.of_type
    if isinstance(gql_type, GraphQLList):
        return [sample(gql_type.of_type, name[:-1] if name.endswith("s") else name)]
    if isinstance(named, GraphQLInputObjectType):
        return {
            n: sample(f.type, n)
            for n, f in named.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    return {
        "ID": lambda: gid(name[0].upper() + name[1:-2]),
        "Decimal": lambda: "1",
        "Int": lambda: 1,
        "Boolean": lambda: False,
        "Date": lambda: "2099-01-01",
        "String": lambda: "x",
    }[named.name]()


def text_fields(input_type: GraphQLInputObjectType, path: tuple = ()):
    """(path, name) of every String field of an input, into lists of inputs (their first item)."""
    for name, f in input_type.fields.items():
        named = get_named_type(f.type)
        inner = f.type.of_type if isinstance(f.type, GraphQLNonNull) else f.type
        if named.name == "String":
            yield (*path, name), name
        elif isinstance(named, GraphQLInputObjectType):
            yield from text_fields(named, (*path, name, "0") if isinstance(inner, GraphQLList) else (*path, name))


def mutation_cases():
    for mutation, field in SCHEMA.mutation_type.fields.items():
        input_type = get_named_type(field.args["input"].type)
        for path, name in text_fields(input_type):
            yield pytest.param(mutation, input_type.name, path, name, id=f"{mutation}.{'.'.join(path)}")


def with_value(data: dict, path: tuple, value) -> dict:
    """The input with the text at `path` set (made, with the first list item, where missing)."""
    node = data
    for key in path[:-1]:
        if key == "0":
            continue
        if key not in node:
            node[key] = [{}]
        node = node[key][0] if isinstance(node[key], list) else node[key]
    node[path[-1]] = value
    return data


def send(client, mutation: str, input_type: str, path: tuple, value) -> dict:
    data = with_value(sample(SCHEMA.get_type(input_type), "input"), path, value)
    if path[0] == "lines":  # a line's other texts must be sound for the one under test to be reached
        data["lines"][0] = {**sample(SCHEMA.get_type("LineInput"), "line"), **data["lines"][0]}
    query = f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ errors {{ code field message }} }} }}"
    return client.post(query, {"i": data})


def refusal(body: dict, mutation: str) -> tuple:
    assert "errors" not in body, body
    return tuple((e["code"], tuple(e["field"]), e["message"]) for e in body["data"][mutation]["errors"])


@pytest.mark.parametrize("mutation, input_type, path, name", list(mutation_cases()))
def test_any_text_input_with_a_nul_byte_or_over_its_limit_is_a_validation_error_naming_it(
    admin, store_snapshot, no_leak, mutation, input_type, path, name
):
    before = store_snapshot()
    body = send(admin, mutation, input_type, path, "before\x00after")
    no_leak(body)
    [(code, field, message)] = refusal(body, mutation)
    assert (code, field) == ("VALIDATION", path) and "U+0000" in message
    limit = MAX_LENGTH["_".join(_words(name))]
    [(code, field, message)] = refusal(send(admin, mutation, input_type, path, "x" * (limit + 1)), mutation)
    assert (code, field) == ("VALIDATION", path) and f"at most {limit:,}" in message
    assert store_snapshot() == before


def _words(camel: str) -> list[str]:
    out, word = [], ""
    for c in camel:
        if c.isupper():
            out.append(word)
            word = c.lower()
        else:
            word += c
    return [*out, word]


def test_the_cancel_reason_is_bounded_like_every_other_reason(sales, admin):
    order = sales.order()
    query = "mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } errors { code field } } }"
    refused = admin.run(query, {"i": {"orderId": order["id"], "reason": "r" * (MAX_LENGTH["reason"] + 1)}})
    assert refused["cancelOrder"]["errors"] == [{"code": "VALIDATION", "field": ["reason"]}]
    done = admin.run(query, {"i": {"orderId": order["id"], "reason": "customer\nchanged their mind"}})
    assert done["cancelOrder"] == {"order": {"status": "CANCELED"}, "errors": []}


def test_multi_line_texts_keep_their_line_breaks_and_tabs_and_names_keep_their_joiners(sales, admin):
    lead = sales.lead("صندلی\u200cهای اداری", companyName="شرکت پارس\u200cتک", notes="first\n\tsecond\r\n")
    stored = admin.run(
        "query($id: ID!) { node(id: $id) { ... on Lead { title companyName notes } } }", {"id": lead["id"]}
    )["node"]
    assert stored == {
        "title": "صندلی\u200cهای اداری",
        "companyName": "شرکت پارس\u200cتک",
        "notes": "first\n\tsecond\r\n",
    }


def test_a_line_break_in_a_one_line_text_is_refused(gq, admin):
    body = admin.run(gq.CREATE_LEAD, {"i": {"title": "two\nlines"}})
    assert [(e["code"], e["field"]) for e in body["createLead"]["errors"]] == [("VALIDATION", ["title"])]


def test_an_unpaired_surrogate_is_refused_not_stored(gateway, admin, gq, store_snapshot, no_leak):
    """No store can encode one; the JSON body carrying it is refused before any resolver (and the
    domain refuses it too, tests/unit/test_text.py, whatever transport brings it)."""
    before = store_snapshot()
    raw = json.dumps({"query": gq.CREATE_LEAD, "variables": {"i": {"title": "x\ud800y"}}})
    response = gateway.http.post(
        "/graphql",
        content=raw.encode(),
        headers={"Authorization": f"Bearer {admin.token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and no_leak(response.text)
    assert store_snapshot() == before


# --- search and the other text arguments of the lists -----------------------------------------------


def _list(name: str, arguments: str) -> str:
    return f"query($s: String) {{ {name}({arguments}) {{ totalCount }} }}"


def _refused(body: dict, field: list[str]) -> None:
    assert body.get("data") is None or all(v is None for v in body["data"].values()), body
    assert [(e["extensions"]["code"], e["extensions"].get("field")) for e in body["errors"]] == [
        ("BAD_USER_INPUT", field)
    ], body


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "search", ["acme\x00", "x" * 49_999, "x" * 255, "tab\there"], ids=["nul", "49999-chars", "255-chars", "tab"]
)
def test_a_search_that_is_not_one_line_of_bounded_text_is_refused_on_every_list(admin, no_leak, name, search):
    body = admin.post(_list(name, "filter: {search: $s}"), {"s": search})
    no_leak(body)
    _refused(body, ["filter", "search"])


@pytest.mark.parametrize("name", LISTS)
def test_a_search_of_the_longest_allowed_length_runs(admin, name):
    assert admin.run(_list(name, "filter: {search: $s}"), {"s": "ş" * MAX_LENGTH["search"]})[name]["totalCount"] == 0


def test_a_backend_name_with_a_nul_byte_is_refused(admin):
    _refused(admin.post(_list("rejectedPayments", "backend: $s"), {"s": "local\x00"}), ["backend"])


def test_a_cursor_carrying_a_nul_byte_is_refused_as_no_cursor(admin, sales):
    sales.lead("Alpha")
    forged = base64.urlsafe_b64encode(json.dumps(["Alpha\x00", 1]).encode()).decode()
    body = admin.post(
        "query($a: String) { leads(orderBy: {field: TITLE, direction: ASC}, after: $a) { totalCount } }", {"a": forged}
    )
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def test_lists_are_searched_the_way_names_are_typed(sales, admin):
    sales.lead("İstanbul Halı siparişi", companyName="Yılmaz Ticaret A.Ş.", contactName="Şükrü Öztürk")
    sales.lead("صندلی اداری", companyName="شرکت بازرگانی پارسیان", contactName="علی رضایی", phone="۰۹۱۲ ۳۴۵ ۶۷۸۹")
    query = "query($s: String) { leads(filter: {search: $s}) { edges { node { title } } } }"

    def titles(text):
        return [e["node"]["title"] for e in admin.run(query, {"s": text})["leads"]["edges"]]

    assert titles("istanbul") == titles("YILMAZ") == titles("sukru ozturk") == ["İstanbul Halı siparişi"]
    assert titles("علي") == titles("رضائي") == titles("0912 345") == ["صندلی اداری"]


# --- lines per document ---------------------------------------------------------------------------


def test_a_document_with_more_lines_than_allowed_is_refused_on_lines(gq, sales, admin, store_snapshot):
    opp = sales.opportunity()
    line = {"description": "Widget", "quantity": "1", "unitPrice": "1"}
    before = store_snapshot()
    for query, name, data in [
        (
            gq.CONVERT_TO_QUOTE,
            "convertOpportunityToQuote",
            {"opportunityId": opp["id"], "kind": "PROFORMA", "lines": [line] * (MAX_LINES + 1)},
        ),
        (
            gq.CREATE_ORDER,
            "createOrder",
            {"opportunityId": opp["id"], "currency": "EUR", "lines": [line] * (MAX_LINES + 1)},
        ),
    ]:
        errors = admin.run(query, {"i": data})[name]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [("VALIDATION", ["lines"])], errors
        assert f"at most {MAX_LINES:,} lines" in errors[0]["message"]
    assert store_snapshot() == before
