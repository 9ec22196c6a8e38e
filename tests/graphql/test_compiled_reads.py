"""Compiled reads answer exactly as the resolvers do: a corpus of queries — every list with its
filters and orderings, pages walked by cursor, node/nodes, fragments, aliases, variables,
directives, every relation, errors — run as every role through a gateway with compiled reads and one
without, over one store, must give identical responses (data, errors and extensions). The compiled
side must really answer: each root field it should is one statement building JSON, and the
reference side builds none.

And a sales rep's compiled queries never return another rep's documents, checked directly.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from compiled_world import REPS, ROLES, Case, check_same, compiled_statements, ids_fixture, world_fixture  # noqa: F401

# --- what the corpus selects -------------------------------------------------------------------------

USER = "id __typename name role active locale"
ACCOUNT = (
    "id __typename name email phone website country address postalCode nationalId economicCode taxNumber "
    f"taxOffice vatNumber version createdAt updatedAt owner {{ {USER} }}"
)
CONTACT = "id __typename name email phone version createdAt updatedAt account { id name } owner { id name }"
STAGE = "id __typename name probability sequence active"
LEAD = (
    "id __typename status title contactName companyName email phone source notes disqualifyReason convertedAt "
    "version createdAt updatedAt owner { id name } convertedAccount { id name } convertedContact { id name } "
    "convertedOpportunity { id title amount }"
)
OPPORTUNITY = (
    "id __typename status title currency expectedClose lostReason probability amount version createdAt updatedAt "
    f"stage {{ {STAGE} }} account {{ id name }} contact {{ id name }} lead {{ id title }} owner {{ id name }}"
)
LINE = (
    "id __typename description productCode sequence quantity unitPrice discountPercent taxRate subtotal "
    "discountAmount netAmount taxAmount total"
)
PRICED = "currency subtotal discountTotal taxTotal total"
QUOTE = (
    f"id __typename status kind number revision validUntil startDate endDate terms isLatest version createdAt "
    f"updatedAt {PRICED} lines {{ {LINE} }} opportunity {{ id title }} previousRevision {{ id revision status }} "
    "owner { id name }"
)
ORDER_LINE = f"{LINE} deliveredQuantity invoicedQuantity remainingQuantity"
DELIVERY = "id __typename number deliveredAt createdAt lines { id __typename quantity } order { id number }"
PAYMENT = "id __typename amount currency paidAt reference createdAt source reversedAt invoice { id number }"
INVOICE = (
    f"id __typename status number issueDate dueDate voidReason amountPaid amountDue version createdAt updatedAt "
    f"{PRICED} lines {{ {LINE} }} payments {{ {PAYMENT} }} order {{ id number }} delivery {{ id number }} "
    "account { id name } owner { id name }"
)
ORDER = (
    f"id __typename status invoicingPolicy number cancelReason version createdAt updatedAt {PRICED} "
    f"lines {{ {ORDER_LINE} }} deliveries {{ {DELIVERY} }} invoices(first: 5) {{ id number status total }} "
    "opportunity { id title } quote { id number revision } account { id name } owner { id name }"
)
PAGE = "totalCount pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }"

#: Every list, the type of its nodes and what the corpus selects of them.
LISTS = {
    "leads": ("Lead", LEAD),
    "accounts": (
        "Account",
        f"{ACCOUNT} contacts {{ id name }} opportunities(first: 2) {{ id title owner {{ name }} }}",
    ),
    "contacts": ("Contact", CONTACT),
    "opportunities": (
        "Opportunity",
        f"{OPPORTUNITY} quotes(first: 3) {{ id number revision status total }} orders {{ id number total }}",
    ),
    "quotes": ("Quote", QUOTE),
    "orders": ("Order", ORDER),
    "invoices": ("Invoice", INVOICE),
}
FILTERS = {
    "leads": "LeadFilter",
    "accounts": "AccountFilter",
    "contacts": "ContactFilter",
    "opportunities": "OpportunityFilter",
    "quotes": "QuoteFilter",
    "orders": "OrderFilter",
    "invoices": "InvoiceFilter",
}


def listing(name: str, arguments: str = "", *, alias: str = "") -> str:
    _, fields = LISTS[name]
    head = f"{alias}: {name}" if alias else name
    return f"{head}{arguments} {{ __typename {PAGE} edges {{ __typename cursor node {{ {fields} }} }} }}"


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def gid(type_name: str, ident) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


CORPUS: dict[str, Case] = {}
for _name in LISTS:
    CORPUS[f"{_name}: the first page, everything"] = Case(f"{{ {listing(_name)} }}", compiled=(_name,))
    CORPUS[f"{_name}: two at a time"] = Case(f"{{ {listing(_name, '(first: 2)')} }}", compiled=(_name,))
    CORPUS[f"{_name}: only the total"] = Case(f"{{ {_name} {{ totalCount __typename }} }}", compiled=(_name,))
    CORPUS[f"{_name}: an empty page"] = Case(f"{{ {listing(_name, '(first: 0)')} }}", compiled=(_name,))
    CORPUS[f"{_name}: created in a range, updated before"] = Case(
        f"query($f: {FILTERS[_name]}) {{ {listing(_name, '(filter: $f)')} }}",
        lambda ids: {"f": {"createdAfter": ago(1.5), "createdBefore": ago(-1), "updatedBefore": ago(-1)}},
        compiled=(_name,),
    )
    CORPUS[f"{_name}: owned by ayse"] = Case(
        f"query($f: {FILTERS[_name]}) {{ {listing(_name, '(filter: $f)')} }}",
        lambda ids: {"f": {"ownerId": ids["user:ayse"]}},
        compiled=(_name,),
    )
    CORPUS[f"{_name}: a Latin search"] = Case(
        "{ %s }" % listing(_name, '(filter: {search: "chairs"})'), compiled=(_name,)
    )
    for _term in ("صندلي", "نوآوران", "istanbul", "ŞEKER", "IŞIK", "Q/", "0"):
        CORPUS[f"{_name}: search {_term}"] = Case(
            f"query($s: String) {{ {listing(_name, '(filter: {search: $s})')} }}", {"s": _term}, compiled=(_name,)
        )
    CORPUS[f"{_name}: a search with a control character"] = Case(
        f"query($s: String) {{ {listing(_name, '(filter: {search: $s})')} }}", {"s": "a\u0001b"}
    )
    CORPUS[f"{_name}: a garbage cursor"] = Case("{ %s }" % listing(_name, '(after: "garbage")'))
    CORPUS[f"{_name}: first 101"] = Case(f"{{ {listing(_name, '(first: 101)')} }}")
    CORPUS[f"{_name}: first -1"] = Case(f"{{ {listing(_name, '(first: -1)')} }}")

_STATUSES = {
    "leads": "[NEW, WORKING, CONVERTED]",
    "opportunities": "[OPEN, LOST]",
    "quotes": "[SENT, SUPERSEDED, DRAFT, ACCEPTED]",
    "orders": "[OPEN, PARTIALLY_DELIVERED]",
    "invoices": "[ISSUED, PARTIALLY_PAID, PAID]",
}
for _name, _statuses in _STATUSES.items():
    CORPUS[f"{_name}: by status"] = Case(
        f"{{ {listing(_name, f'(filter: {{status: {_statuses}}})')} }}", compiled=(_name,)
    )
for _name, (_filter, _key) in {
    "opportunities": ("stageId", "stage"),
    "contacts": ("accountId", "account_fa"),
    "orders": ("accountId", "account_fa"),
    "invoices": ("accountId", "account_de"),
    "quotes": ("opportunityId", "opp_tr"),
    "orders:by opportunity": ("opportunityId", "opp_eu"),
    "invoices:by order": ("orderId", "order_eu"),
}.items():
    _list = _name.split(":")[0]
    CORPUS[f"{_name}: by {_filter}"] = Case(
        f"query($f: {FILTERS[_list]}) {{ {listing(_list, '(filter: $f)')} }}",
        lambda ids, _filter=_filter, _key=_key: {"f": {_filter: ids[_key]}},
        compiled=(_list,),
    )

CORPUS |= {
    "aliases: one list twice with other arguments": Case(
        "{ %s %s }"
        % (
            listing("opportunities", "(first: 1, orderBy: {field: AMOUNT, direction: ASC})", alias="cheap"),
            listing("opportunities", "(first: 1, orderBy: {field: AMOUNT, direction: DESC})", alias="dear"),
        ),
        compiled=("cheap", "dear"),
    ),
    "aliases inside a node": Case(
        "{ quotes(first: 3) { edges { node { id a: total b: total n: number lines { q: quantity p: unitPrice } "
        "o: opportunity { t: title } } } } }",
        compiled=("quotes",),
    ),
    "named fragments and fragments on interfaces": Case(
        """query($id: ID!, $ids: [ID!]!) {
          node(id: $id) { ...N ...D ... on Quote { ...Q } }
          nodes(ids: $ids) { __typename ...N ...D ... on PricedDocument { currency total } }
          quotes(first: 2) { edges { node { ...N ...D ...Q } } } }
        fragment N on Node { id __typename }
        fragment D on Document { version createdAt updatedAt owner { name } }
        fragment Q on Quote { number revision lines { ... on PricedLine { description total } } }""",
        lambda ids: {"id": ids["quote_tr"], "ids": [ids["invoice_fa"], ids["lead_tr"], ids["order_eu"]]},
        compiled=("node", "nodes", "quotes"),
    ),
    "inline fragments on types the node is not": Case(
        "query($id: ID!) { node(id: $id) { id ... on Lead { title } ... on Invoice { number total } } }",
        lambda ids: {"id": ids["invoice_eu"]},
        compiled=("node",),
    ),
    "@include and @skip with variables": Case(
        """query($yes: Boolean!, $no: Boolean!) {
          leads(first: 3) @include(if: $yes) { totalCount @skip(if: $yes)
            edges { node { id title @include(if: $no) status @skip(if: $no) owner @include(if: $yes) { name } } } }
          accounts @include(if: $no) { totalCount } }""",
        {"yes": True, "no": False},
        compiled=("leads",),
    ),
    "@skip on a fragment spread": Case(
        "query($s: Boolean!) { invoices { edges { node { id ...I @skip(if: $s) } } } } "
        "fragment I on Invoice { number amountDue }",
        {"s": True},
        compiled=("invoices",),
    ),
    "node of every document and record": Case(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id "
        f"... on Lead {{ {LEAD} }} ... on Account {{ {ACCOUNT} }} ... on Contact {{ {CONTACT} }} "
        f"... on Opportunity {{ {OPPORTUNITY} }} ... on Quote {{ {QUOTE} }} ... on Order {{ {ORDER} }} "
        f"... on Invoice {{ {INVOICE} }} ... on Delivery {{ {DELIVERY} }} ... on Payment {{ {PAYMENT} }} "
        f"... on Stage {{ {STAGE} }} ... on User {{ {USER} }} }} }}",
        lambda ids: {
            "ids": [
                ids[k]
                for k in (
                    "lead_fa",
                    "lead_tr",
                    "lead_full",
                    "lead_lost",
                    "lead_bare",
                    "account_fa",
                    "account_de",
                    "contact_fa",
                    "contact_tr",
                    "opp_fa",
                    "opp_tr",
                    "opp_lost",
                    "opp_eu",
                    "opp_de_reza",
                    "quote_fa",
                    "quote_tr_1",
                    "quote_tr",
                    "quote_draft",
                    "order_fa",
                    "order_tr",
                    "order_eu",
                    "invoice_fa",
                    "invoice_tr",
                    "invoice_eu",
                    "invoice_eu_draft",
                    "delivery_fa",
                    "delivery_tr",
                    "delivery_eu",
                    "payment_fa",
                    "payment_tr",
                    "stage",
                    "user:reza",
                    "user:root",
                )
            ]
        },
        compiled=("nodes",),
    ),
    "node of ids that name nothing": Case(
        'query($ids: [ID!]!) { nodes(ids: $ids) { id } a: node(id: "TGVhZDo5OTk5OTk=") { id } '
        'b: node(id: "!!not-base64!!") { id } c: node(id: "") { id } }',
        lambda ids: {
            "ids": [
                gid("Lead", 987654),
                gid("Nothing", 1),
                gid("OrderLine", 1),
                gid("Lead", -1),
                gid("Lead", "abc"),
                gid("Lead", 10**20),
                gid("Quote", 1.5),
                "!!!",
                "",
                gid("ApiToken", 1),
                gid("RejectedPayment", 1),
            ]
        },
        compiled=("nodes", "a", "b", "c"),
    ),
    "node asked for one type with another's number": Case(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Lead { title } ... on Order { number } } }",
        lambda ids: {"ids": [gid("Lead", _number(ids["order_eu"])), gid("Order", _number(ids["lead_tr"]))]},
        compiled=("nodes",),
    ),
    "nodes with an id asked twice": Case(
        "query($id: ID!) { nodes(ids: [$id, $id]) { id } }", lambda ids: {"id": ids["lead_tr"]}
    ),
    "ordering by a field the list lacks": Case("{ leads(orderBy: {field: TOTAL}) { totalCount edges { cursor } } }"),
    "relations to one and to many, deep": Case(
        "{ invoices(first: 5) { edges { node { number order { number opportunity { title account { name "
        "opportunities(first: 5) { title owner { name } quotes { number lines { total } } } contacts(first: 1) "
        "{ name account { name } } } stage { name } lead { title convertedContact { name } } } } "
        "delivery { number order { number } } } } } }",
        compiled=("invoices",),
    ),
    "payments of invoices and their invoice back": Case(
        "{ invoices(filter: {status: [PAID, PARTIALLY_PAID]}) { edges { node { number payments(first: 1) "
        "{ amount invoice { number amountPaid amountDue payments { amount } } } } } } }",
        compiled=("invoices",),
    ),
    "deliveries and their lines": Case(
        "{ orders { edges { node { number deliveries(first: 1) { number deliveredAt lines { id quantity } "
        "order { status lines { id deliveredQuantity } } } } } } }",
        compiled=("orders",),
    ),
    "a delivery line's order line: answered by the resolvers": Case(
        "{ orders { edges { node { deliveries { lines { orderLine { id } } } } } } }"
    ),
    "computed fields mix with compiled ones": Case(
        "{ a: leads(first: 2) { edges { node { id availableActions } } } b: leads { totalCount } "
        "viewer { role } stages { id name } c: quotes(first: 2) { edges { node { number history { trigger } } } } "
        "d: invoices(first: 1) { edges { node { number } } } }",
        compiled=("a", "b", "d"),  # a: availableActions filled in from its records, c: history needs the resolvers
    ),
    **{
        f"stage names in {language}": Case(
            "{ opportunities { edges { node { title stage { name probability } } } } }",
            compiled=("opportunities",),
            headers={"Accept-Language": language},
        )
        for language in ("fa", "tr", "en", "de")  # one query text: what differs is only the language asked
    },
    "rejected payments": Case(
        "{ rejectedPayments(first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node "
        "{ id backend externalId invoiceNumber currency code message createdAt reportedAmount amount } } } }",
        compiled=("rejectedPayments",),
    ),
    "a shared account's first opportunity and order, as each viewer may see them": Case(
        "{ accounts { edges { node { name opportunities(first: 1) { id title owner { name } } } } } "
        "opportunities(first: 30) { edges { node { account { opportunities(first: 1) { id orders(first: 1) { id } } } } } } }",
        compiled=("accounts", "opportunities"),
    ),
    "nodes of no ids": Case("{ nodes(ids: []) { id } }", compiled=("nodes",)),
    "a root __typename and one list asked twice, merged": Case(
        "{ __typename leads(first: 2) { totalCount } leads(first: 2) { edges { node { id x: title } } totalCount } }",
        compiled=("leads",),
    ),
    "a variable's default value": Case(
        "query($f: Int = 2, $o: Ordering = {field: TITLE, direction: DESC}) "
        "{ opportunities(first: $f, orderBy: $o) { edges { cursor node { title } } } }",
        compiled=("opportunities",),
    ),
    "child lists of none and of too many": Case(
        "{ a: opportunities(first: 3) { edges { node { quotes(first: 0) { id } orders(first: 1) { id } } } } "
        "b: accounts { edges { node { opportunities(first: 101) { id } } } } }",
        compiled=("a", "b"),
    ),
    "a date-time filter in another time zone": Case(
        "query($f: InvoiceFilter) { invoices(filter: $f) { totalCount edges { node { number createdAt } } } }",
        lambda ids: {
            "f": {
                "createdAfter": (datetime.now(timezone(timedelta(hours=3, minutes=30))) - timedelta(days=1)).isoformat()
            }
        },
        compiled=("invoices",),
    ),
    "the owner and tokens of a record": Case(
        "{ accounts(first: 1) { edges { node { owner { name tokens { label } } } } } }",
        compiled=("accounts",),
    ),
}


def _number(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().split(":")[1])


@pytest.mark.parametrize("case", list(CORPUS))
def test_every_role_gets_the_same_answer_from_compiled_reads_as_from_the_resolvers(world, ids, case):
    for user in ROLES:
        check_same(world, user, CORPUS[case], ids)


ORDER_FIELDS = ("CREATED_AT", "UPDATED_AT", "ID", "NAME", "TITLE", "NUMBER", "AMOUNT", "TOTAL")


@pytest.mark.parametrize("name", list(LISTS))
def test_pages_walked_by_cursor_in_every_order_are_the_resolvers_pages(world, ids, name):
    """Two at a time, each side following its own endCursor, in every order both ways: the same pages,
    each record once (orderings a list lacks: the same error)."""
    query = (
        f"query($o: Ordering, $a: String) {{ {name}(first: 2, after: $a, orderBy: $o) {{ {PAGE} "
        f"edges {{ cursor node {{ id }} }} }} }}"
    )
    for user in ("root", "reza", "hesab"):
        for order in ORDER_FIELDS:
            for direction in ("ASC", "DESC"):
                after, seen = None, []
                while True:
                    case = Case(query, {"o": {"field": order, "direction": direction}, "a": after}, compiled=(name,))
                    page = check_same(world, user, case, ids)
                    if page.get("data") is None:
                        break
                    connection = page["data"][name]
                    seen += [edge["node"]["id"] for edge in connection["edges"]]
                    if not connection["pageInfo"]["hasNextPage"]:
                        assert len(seen) == len(set(seen)) == connection["totalCount"], (user, order, direction)
                        break
                    after = connection["pageInfo"]["endCursor"]


def test_the_corpus_is_answered_by_compiled_reads_and_sees_the_whole_story(world, ids):
    """The corpus is no comparison of empty answers: as the admin, each list holds what the story made."""
    body = world.post(world.compiled, "root", "{ %s }" % " ".join(f"{n} {{ totalCount }}" for n in LISTS))
    totals = {name: body["data"][name]["totalCount"] for name in LISTS}
    assert totals == {
        "leads": 5,
        "accounts": 2,
        "contacts": 2,
        "opportunities": 10,
        "quotes": 5,
        "orders": 3,
        "invoices": 4,
    }, totals


# --- what the corpus found, each on its own ------------------------------------------------------------


def compiled_answer(world, user: str, query: str, variables: dict | None = None) -> dict:
    """The compiled side's answer, which must equal the resolvers' and come from one statement per root field."""
    compiled, seen, reference, _ = world.both(user, query, variables)
    assert compiled == reference
    assert "errors" not in compiled, compiled["errors"]
    assert len(compiled_statements(seen)) == len(compiled["data"]), seen
    return compiled["data"]


def test_an_empty_page_has_neither_a_start_nor_an_end_cursor(world):
    data = compiled_answer(world, "root", "{ leads(first: 0) { pageInfo { hasNextPage startCursor endCursor } } }")
    assert data["leads"]["pageInfo"] == {"hasNextPage": True, "startCursor": None, "endCursor": None}


def test_what_an_invoice_still_owes_and_an_order_line_still_to_deliver_are_compiled(world, ids):
    query = (
        "query($i: ID!, $o: ID!) { i: node(id: $i) { ... on Invoice { total amountPaid amountDue } } "
        "o: node(id: $o) { ... on Order { lines { quantity deliveredQuantity remainingQuantity } } } }"
    )
    data = compiled_answer(world, "root", query, {"i": ids["invoice_eu"], "o": ids["order_fa"]})
    assert data["i"] == {"total": "0.40", "amountPaid": "0.25", "amountDue": "0.15"}
    assert data["o"]["lines"] == [
        {"quantity": "3", "deliveredQuantity": "1.5", "remainingQuantity": "1.5"},
        {"quantity": "1", "deliveredQuantity": "0", "remainingQuantity": "1"},
    ]


def test_named_fragments_and_directives_are_compiled(world, ids):
    query = (
        "query($yes: Boolean!) { node(id: $ids) { ...N } leads(first: 1) @include(if: $yes) "
        "{ edges { node { ...N title @skip(if: $yes) } } } } fragment N on Node { id }"
    ).replace("$ids", f'"{ids["lead_tr"]}"')
    data = compiled_answer(world, "root", query, {"yes": True})
    assert data["node"] == {"id": ids["lead_tr"]} and list(data["leads"]["edges"][0]["node"]) == ["id"]


# --- the owner rule ----------------------------------------------------------------------------------

#: The types whose records belong to an owner: documents, and deliveries and payments through theirs.
OWNED_TYPES = ("Lead", "Opportunity", "Quote", "Order", "Invoice", "Delivery", "Payment")

#: Everything a sales rep could reach another rep's documents by: every list, relations from shared
#: accounts and contacts, deliveries and payments, and every document by id.
REACH = (
    "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id "
    "... on Account { opportunities(first: 5) { id quotes(first: 5) { id } orders(first: 5) { id deliveries(first: 5) { id } invoices(first: 5) { id "
    "payments(first: 5) { id } } } } } "
    "... on Delivery { order { id } } ... on Payment { invoice { id } } ... on Lead { convertedOpportunity { id } } } "
    "leads(first: 30) { totalCount edges { node { id convertedOpportunity { id } } } } "
    "accounts(first: 30) { edges { node { id opportunities(first: 5) { id orders(first: 5) { id } } } } } "
    "contacts(first: 30) { edges { node { id account { opportunities(first: 5) { id quotes(first: 5) { id } } } } } } "
    "opportunities(first: 30) { totalCount edges { node { id quotes(first: 5) { id } orders(first: 5) { id } } } } "
    "quotes(first: 30) { totalCount edges { node { id previousRevision { id } opportunity { id } } } } "
    "orders(first: 30) { totalCount edges { node { id quote { id } deliveries(first: 5) { id order { id } } "
    "invoices(first: 5) { id payments(first: 5) { id invoice { id } } } } } } "
    "invoices(first: 30) { totalCount edges { node { id order { id } delivery { id } payments(first: 5) { id } } } } }"
)


def owners(world) -> dict[str, str]:
    """Every owned record's global id -> its owner's name, as the admin reads them."""
    body = world.post(world.compiled, "root", REACH, {"ids": []})
    found: dict[str, str] = {}
    for name in ("leads", "opportunities", "quotes", "orders", "invoices"):
        query = f"{{ {name}(first: 100) {{ edges {{ node {{ id owner {{ name }} }} }} }} }}"
        for edge in world.post(world.compiled, "root", query)["data"][name]["edges"]:
            found[edge["node"]["id"]] = edge["node"]["owner"]["name"]
    for order in body["data"]["orders"]["edges"]:
        for delivery in order["node"]["deliveries"]:
            found[delivery["id"]] = found[order["node"]["id"]]
        for invoice in order["node"]["invoices"]:
            for payment in invoice["payments"]:
                found[payment["id"]] = found[invoice["id"]]
    return found


def owned_ids(answer) -> list[str]:
    """The global ids of owned records anywhere in an answer."""
    out = []
    if isinstance(answer, dict):
        ident = answer.get("id")
        if isinstance(ident, str) and _type(ident) in OWNED_TYPES:
            out.append(ident)
        for value in answer.values():
            out += owned_ids(value)
    elif isinstance(answer, list):
        for value in answer:
            out += owned_ids(value)
    return out


@pytest.mark.parametrize("rep", REPS)
def test_a_sales_reps_compiled_reads_never_return_another_reps_documents(world, rep):
    owner = owners(world)
    assert set(owner.values()) == {"reza", "ayse", "mina"} and len(owner) > 20, owner  # the story is all there
    everything = sorted(owner) + [world.ids["account_fa"], world.ids["account_de"]]
    compiled, seen, reference, _ = world.both(rep, REACH, {"ids": everything})
    assert "errors" not in compiled, compiled["errors"]
    assert len(compiled_statements(seen)) == len(compiled["data"])  # every root field compiled
    returned = owned_ids(compiled["data"])
    assert {owner[i] for i in returned} == {rep}, [(i, owner[i]) for i in returned if owner[i] != rep]
    assert compiled == reference
    mine = {i for i, who in owner.items() if who == rep}
    assert mine <= set(returned)  # and every one of its own is there
    by_id = dict(zip(everything, compiled["data"]["nodes"]))
    assert all(by_id[i] is None for i, who in owner.items() if who != rep)
    for name, type_name in (("leads", "Lead"), ("opportunities", "Opportunity"), ("invoices", "Invoice")):
        assert compiled["data"][name]["totalCount"] == len([i for i in mine if _type(i) == type_name]), name


def _type(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":")[0]
