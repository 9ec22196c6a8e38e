"""`changes`: an accounting system pulls committed transitions page by page and resumes where it stopped."""

from __future__ import annotations

import pytest

CHANGES = """query($after: String, $first: Int!, $types: [DocumentType!]) {
  changes(after: $after, first: $first, types: $types) {
    endCursor hasMore events { sequence documentType documentId trigger toState document { id } } } }"""


def _walk(client, first: int, after=None, types=None):
    events = []
    while True:
        page = client.run(CHANGES, {"after": after, "first": first, "types": types})["changes"]
        events += page["events"]
        after = page["endCursor"]
        if not page["hasMore"]:
            return events, after


def test_the_story_is_pulled_page_by_page_once_each_in_commit_order(sales, admin):
    order = sales.order()
    sales.issue(sales.deliver(order)["invoice"]["id"])
    everything, cursor = _walk(admin, 100)
    paged, _ = _walk(admin, 3)
    assert paged == everything and len(everything) >= 6
    assert [e["sequence"] for e in everything] == sorted({e["sequence"] for e in everything})
    assert ("INVOICE", "issue") in {(e["documentType"], e["trigger"]) for e in everything}
    sales.lead("after the first pull")
    new, _ = _walk(admin, 100, after=cursor)
    assert [(e["documentType"], e["trigger"]) for e in new] == [("LEAD", "create")]


def test_only_the_types_asked_for_and_only_documents_the_viewer_may_see(sales, admin, as_user):
    sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    invoices, _ = _walk(admin, 100, types=["INVOICE"])
    assert {e["documentType"] for e in invoices} == {"INVOICE"} and len(invoices) == 2
    rep = as_user("reza", "sales_rep")
    rep.lead("mine")
    mine, _ = _walk(rep.client, 100)
    assert [e["trigger"] for e in mine] == ["create"]


@pytest.mark.parametrize("after", ["garbage", "LTE6Mg==", "OTk5OTk5OTk5OTk5OTk5OTk5OTk6MQ=="])
def test_a_cursor_that_is_not_the_feeds_is_a_client_error(admin, after):
    body = admin.post(CHANGES, {"after": after, "first": 5})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
