"""Bad input through compiled reads: the filters, cursors and search terms of test_bad_input.py, SQL
metacharacters, NUL, very long strings, Persian and Arabic text, direction marks and emoji, sent as
search terms, as the sort values of sealed cursors and as ids. Each answer equals the resolvers'; no
client value ever appears in the text of a statement the app sends (only among its parameters);
and the store is left exactly as it was.
"""

from __future__ import annotations

import base64

import pytest
from compiled_world import Case, check_same, ids_fixture, world_fixture  # noqa: F401

from salesflow.schema.core.cursors import seal

#: Written around every client value, so that it can be looked for in what the app sends.
MARK = "qzxv"
METACHARACTERS = {
    "quote": "'",
    "double quote": '"',
    "semicolon": ";",
    "comment": "--",
    "block comment": "/* */",
    "percent": "%",
    "underscore": "_",
    "backslash": "\\",
    "numbered parameter": "$1",
    "named parameter": ":name :p0 :q2_param_1",
    "pyformat parameter": "%(x)s %(p0)s %s",
    "question mark": "?",
    "NUL": "\x00",
    "an injection": "' OR '1'='1'; DROP TABLE leads; --",
    "json": '{"$cursor": ["x", 1]}',
    "Persian": "صندلی‌های اداری",
    "Arabic": "كرسي مكتب",
    "right-to-left marks": "\u200fabc\u202edef\u202c",
    "emoji": "🪑💺",
    "Turkish": "İŞIK ığdır",
    "as long as allowed": "x" * (254 - 2 * len(MARK)),
    "too long": "x" * 255,
}
LISTS = ("leads", "accounts", "contacts", "opportunities", "quotes", "orders", "invoices")

SEARCH = "query($s: String) { %s }" % " ".join(
    f"{name}(filter: {{search: $s}}) {{ totalCount edges {{ cursor node {{ id }} }} }}" for name in LISTS
)
AFTER = (
    "query($leads: String, $accounts: String, $quotes: String) { "
    "leads(after: $leads, orderBy: {field: TITLE, direction: ASC}) { edges { node { id title } } } "
    "accounts(after: $accounts, orderBy: {field: NAME, direction: DESC}) { edges { node { id name } } } "
    "quotes(after: $quotes, orderBy: {field: NUMBER, direction: ASC}) { edges { node { id number } } } }"
)
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"


def cursors(value: str) -> dict:
    """Cursors sealed as the server seals them, around a sort value that is the client's text."""
    return {
        "leads": seal("leads:title:asc", value, 1),
        "accounts": seal("accounts:name:desc", value, 2),
        "quotes": seal("quotes:number:asc", value, 3),
    }


def global_ids(value: str) -> list[str]:
    encoded = base64.b64encode(value.encode()).decode()
    candidates = [base64.b64encode(f"Lead:{value}".encode()).decode(), value, encoded, encoded + "="]
    return list(dict.fromkeys(candidates))  # nodes refuses an id asked twice


def checked(world, ids, user: str, case: Case, marker: str | None) -> dict:
    """check_same, and the marker in no statement's text on either side (only in parameters, if anywhere)."""
    with world.statements(world.compiled) as compiled_seen, world.statements(world.resolvers) as reference_seen:
        answer = check_same(world, user, case, ids)
    if marker is not None:
        for text, _ in compiled_seen + reference_seen:
            assert marker not in text.lower(), f"a client value in a statement's text: {text[:300]}"
    return answer


def reached(world, ids, user: str, case: Case) -> bool:
    """Whether the compiled side sent the marked value to the database (as a parameter)."""
    with world.statements(world.compiled) as seen:
        world.post(world.compiled, user, case.query, case.variables_for(ids))
    return any(MARK in repr(parameters).lower() for _, parameters in seen)


@pytest.mark.parametrize("name", list(METACHARACTERS))
def test_a_hostile_text_reaches_compiled_reads_only_as_a_parameter_and_changes_nothing(world, ids, name):
    value = f"{MARK}{METACHARACTERS[name]}{MARK}"
    before = world.contents()
    cases = {
        "search": Case(SEARCH, {"s": value}, compiled=LISTS),
        "cursor": Case(AFTER, cursors(value), compiled=("leads", "accounts", "quotes")),
        "ids": Case(NODES, {"ids": global_ids(value)}, compiled=("nodes",)),
    }
    for user in ("root", "reza"):
        for what, case in cases.items():
            answer = checked(world, ids, user, case, MARK)
            if what != "ids" and "errors" not in answer:
                assert reached(world, ids, user, case), f"{what}: the value never reached the database"
    assert world.contents() == before, "a read changed the store"


BAD_LEAD_CURSOR = "leads:created_at:desc"
LEAD_LIST = "query($f: Int, $a: String) { leads(first: $f, after: $a) { totalCount edges { cursor node { id } } } }"

#: The list arguments test_bad_input.py refuses, now through compiled reads: (query, variables).
REFUSED = {
    "an unknown enum value": ("{ leads(filter: {status: [SLEEPING]}) { totalCount } }", None),
    "an unknown enum value (variable)": (
        "query($s: [LeadStatus!]) { leads(filter: {status: $s}) { totalCount } }",
        {"s": ["SLEEPING"]},
    ),
    "an Int given a string": (LEAD_LIST, {"f": "ten"}),
    "an Int beyond 32 bits": (LEAD_LIST, {"f": 2**40}),
    "a DateTime that is not one": ('{ leads(filter: {createdAfter: "yesterday"}) { totalCount } }', None),
    "a DateTime without a time zone": (
        '{ leads(filter: {createdAfter: "2020-01-01T00:00:00"}) { totalCount } }',
        None,
    ),
    "an ownerId filter that is no id": ('{ leads(filter: {ownerId: "garbage"}) { totalCount } }', None),
    "an ownerId of another type": (
        "query($o: ID) { leads(filter: {ownerId: $o}) { totalCount } }",
        {"o": base64.b64encode(b"Lead:1").decode()},
    ),
    "an ownerId beyond 64 bits": (
        "query($o: ID) { leads(filter: {ownerId: $o}) { totalCount } }",
        {"o": base64.b64encode(b"User:99999999999999999999").decode()},
    ),
    "a negative first": (LEAD_LIST, {"f": -1}),
    "first: 101": (LEAD_LIST, {"f": 101}),
    "a garbage cursor": (LEAD_LIST, {"a": "garbage"}),
    "a cursor that is not base64": (LEAD_LIST, {"a": "!!!"}),
    "a cursor of the wrong shape": (LEAD_LIST, {"a": seal(BAD_LEAD_CURSOR, 1, 2)}),
    "a cursor of another list": (LEAD_LIST, {"a": seal("accounts:created_at:desc", "2026-01-01T00:00:00+00:00", 1)}),
    "a cursor whose sort value is no timestamp": (LEAD_LIST, {"a": seal(BAD_LEAD_CURSOR, "abc", 1)}),
    "a cursor whose timestamp has no time zone": (LEAD_LIST, {"a": seal(BAD_LEAD_CURSOR, "2026-01-01", 1)}),
    "a cursor at the end of time": (LEAD_LIST, {"a": seal(BAD_LEAD_CURSOR, "9999-12-31T23:59:59-12:00", 1)}),
    "a cursor whose id is beyond 64 bits": (
        LEAD_LIST,
        {"a": seal(BAD_LEAD_CURSOR, "2026-01-01T00:00:00+00:00", 10**30)},
    ),
    "a cursor with a negative id": (LEAD_LIST, {"a": seal(BAD_LEAD_CURSOR, "2026-01-01T00:00:00+00:00", -1)}),
    "an amount cursor that is no number": (
        "query($a: String) { opportunities(after: $a, orderBy: {field: AMOUNT, direction: ASC}) { totalCount } }",
        {"a": seal("opportunities:amount:asc", "1e400", 1)},
    ),
    "an amount cursor with too many decimals": (
        "query($a: String) { opportunities(after: $a, orderBy: {field: AMOUNT, direction: ASC}) "
        "{ edges { node { id } } } }",
        {"a": seal("opportunities:amount:asc", "1.0000001", 1)},
    ),
    "ordering by a field the list lacks": ("{ leads(orderBy: {field: TOTAL}) { totalCount } }", None),
    "a search with a control character": ('{ leads(filter: {search: "a\\u0001b"}) { totalCount } }', None),
    "101 ids to nodes": (NODES, {"ids": [base64.b64encode(f"Lead:{i}".encode()).decode() for i in range(101)]}),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_list_arguments_get_the_resolvers_answer_through_compiled_reads(world, ids, name):
    query, variables = REFUSED[name]
    before = world.contents()
    for user in ("root", "reza", "hesab"):
        answer = checked(world, ids, user, Case(query, variables), None)
        assert answer.get("errors") or "amount" in name, answer  # refused (a cursor past the end: nothing after it)
        codes = [(e.get("extensions") or {}).get("code") for e in answer.get("errors") or []]
        assert "INTERNAL_SERVER_ERROR" not in codes, answer
    assert world.contents() == before, "a refused read changed the store"
