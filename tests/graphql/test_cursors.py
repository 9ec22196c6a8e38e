"""Cursors are opaque: they carry no stored representation of what they point at, they are good only
for the list and ordering that gave them, and an edited one is refused like garbage."""

from __future__ import annotations

import base64

import pytest

OPPORTUNITIES = """query($after: String, $orderBy: Ordering) {
  opportunities(first: 1, after: $after, orderBy: $orderBy) {
    pageInfo { hasNextPage endCursor } edges { cursor node { title amount } } } }"""
LEADS = "query($after: String) { leads(first: 1, after: $after) { pageInfo { endCursor } edges { node { id } } } }"
BY_AMOUNT = {"field": "AMOUNT", "direction": "DESC"}
REFUSED = "`after` is not a cursor of this list"


@pytest.fixture
def opportunities(sales) -> list[str]:
    """Three opportunities, two of them worth the same: the id must break the tie."""
    for title, amount in (("Desks", "1670.76"), ("Chairs", "99"), ("Lamps", "1670.76")):
        sales.opportunity(title, amount=amount)
    return ["Lamps", "Desks", "Chairs"]  # by amount, largest first; a tie by id, the same way


def _page(client, after=None, order_by=BY_AMOUNT) -> dict:
    return client.run(OPPORTUNITIES, {"after": after, "orderBy": order_by})["opportunities"]


def _refusal(client, query: str, variables: dict) -> list[tuple]:
    body = client.post(query, variables)
    return [(e["message"], e["extensions"]["code"]) for e in body.get("errors", [])]


def _raw(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def test_pages_ordered_by_amount_are_walked_with_cursors_that_hold_no_stored_scale(admin, opportunities):
    titles, cursors, after = [], [], None
    while True:
        page = _page(admin, after)
        titles += [e["node"]["title"] for e in page["edges"]]
        cursors += [e["cursor"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert titles == opportunities
    for cursor in cursors:
        raw = _raw(cursor)
        assert not any(stored in raw for stored in (b"1670.7600", b"16707600", b"99.0000", b"990000")), raw


def test_a_cursor_of_another_list_is_refused(admin, opportunities):
    admin.run('mutation { createLead(input: {title: "Lamps"}) { lead { id } } }')
    lead_cursor = admin.run(LEADS)["leads"]["pageInfo"]["endCursor"]
    assert _refusal(admin, OPPORTUNITIES, {"after": lead_cursor, "orderBy": BY_AMOUNT}) == [(REFUSED, "BAD_USER_INPUT")]
    opportunity_cursor = _page(admin)["pageInfo"]["endCursor"]
    assert _refusal(admin, LEADS, {"after": opportunity_cursor}) == [(REFUSED, "BAD_USER_INPUT")]


@pytest.mark.parametrize(
    "other", [{"field": "AMOUNT", "direction": "ASC"}, {"field": "TITLE", "direction": "DESC"}, None]
)
def test_a_cursor_of_another_ordering_is_refused(admin, opportunities, other):
    cursor = _page(admin)["pageInfo"]["endCursor"]
    assert _refusal(admin, OPPORTUNITIES, {"after": cursor, "orderBy": other}) == [(REFUSED, "BAD_USER_INPUT")]


def test_an_edited_cursor_is_refused(admin, opportunities):
    cursor = _page(admin)["pageInfo"]["endCursor"]
    assert _page(admin, cursor)["edges"], "the cursor as given works"
    raw = bytearray(_raw(cursor))
    for at in (0, len(raw) // 2, len(raw) - 1):  # the seal, the position, its last byte
        edited = bytearray(raw)
        edited[at] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(edited)).decode().rstrip("=")
        assert _refusal(admin, OPPORTUNITIES, {"after": forged, "orderBy": BY_AMOUNT}) == [(REFUSED, "BAD_USER_INPUT")]
    assert _refusal(admin, OPPORTUNITIES, {"after": cursor[:-3], "orderBy": BY_AMOUNT}) == [(REFUSED, "BAD_USER_INPUT")]
