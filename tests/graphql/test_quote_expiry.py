"""A sent quote whose validity has passed: it says so in availableActions, `expireQuote` expires it,
and nothing else can expire a quote that is still valid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

EXPIRE = """mutation($i: ExpireQuoteInput!) { expireQuote(input: $i) {
  quote { id status availableActions history { trigger fromState toState } } errors { code field message } } }"""
QUOTE = "query($id: ID!) { node(id: $id) { ... on Quote { status version availableActions } } }"


def _sent_quote(sales, days: int) -> dict:
    quote = sales.quote(sales.opportunity()["id"], validUntil=(datetime.now(UTC).date() + timedelta(days)).isoformat())
    return sales.send(quote["id"])


def test_a_lapsed_quote_offers_expire_quote_and_expire_quote_expires_it(sales, admin):
    quote = _sent_quote(sales, days=5)
    assert "expireQuote" not in quote["availableActions"]
    with time_machine.travel(datetime.now(UTC) + timedelta(days=6)):
        lapsed = admin.run(QUOTE, {"id": quote["id"]})["node"]
        assert lapsed["status"] == "SENT" and "expireQuote" in lapsed["availableActions"]
        assert "convertQuoteToOrder" not in lapsed["availableActions"]
        payload = admin.run(EXPIRE, {"i": {"quoteId": quote["id"], "expectedVersion": lapsed["version"]}})[
            "expireQuote"
        ]
    assert payload["errors"] == []
    assert payload["quote"]["status"] == "EXPIRED" and payload["quote"]["availableActions"] == []
    assert payload["quote"]["history"][-1] == {"trigger": "expire", "fromState": "sent", "toState": "expired"}


def test_a_quote_still_valid_on_its_last_day_cannot_be_expired(sales, admin):
    quote = _sent_quote(sales, days=5)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=5)):
        payload = admin.run(EXPIRE, {"i": {"quoteId": quote["id"]}})["expireQuote"]
        assert payload["quote"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("VALIDATION", ["quoteId"])]
        assert admin.run(QUOTE, {"id": quote["id"]})["node"]["status"] == "SENT"


def test_expiring_a_quote_is_a_sales_write_that_an_accountant_may_not_do(sales, gateway):
    quote = _sent_quote(sales, days=5)
    accountant = gateway.client("anna", "accountant")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=6)):
        body = accountant.post(EXPIRE, {"i": {"quoteId": quote["id"]}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
