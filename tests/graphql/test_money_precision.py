"""Every amount comes back at its currency's precision (EUR 2, JPY 0, KWD 3 decimals), whatever scale
the store keeps it at: document totals and lines, opportunity amounts, the pipeline, payments and
refused payments. The test walks a realistic response with the schema beside it and checks every
Decimal money field it meets; it also fails when a money field of the schema was not met at all."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from babel.numbers import get_currency_precision
from gql import Gateway
from graphql import GraphQLInterfaceType, GraphQLObjectType, get_named_type

from salesflow.adapters.webhook import HEADER, sign
from salesflow.schema.schema import build_schema

SECRET = "hook-secret-0123456789"
#: Decimal fields that are quantities, prices or percentages: shown as entered, not as money.
NOT_MONEY = {
    "quantity",
    "unitPrice",
    "discountPercent",
    "taxRate",
    "probability",
    "deliveredQuantity",
    "invoicedQuantity",
    "remainingQuantity",
}
LINE = "lines { subtotal discountAmount netAmount taxAmount total quantity unitPrice }"
TOTALS = "currency subtotal discountTotal taxTotal total"
EVERYTHING = f"""{{
  opportunities(first: 100) {{ edges {{ node {{ currency amount probability
    quotes {{ {TOTALS} {LINE} }}
    orders {{ {TOTALS} lines {{ subtotal discountAmount netAmount taxAmount total deliveredQuantity }}
      invoices {{ {TOTALS} amountPaid amountDue {LINE} payments {{ currency amount }} }} }} }} }} }}
  pipeline {{ currency amount weightedAmount amounts {{ currency amount weightedAmount }} }}
  rejectedPayments {{ edges {{ node {{ currency amount }} }} }}
}}"""
#: currency -> (an open opportunity's amount, a payment, the stage it sits on)
DEALS = {
    "EUR": ("1000.5", "100.1", "Prospecting"),
    "JPY": ("12345", "100", "Qualification"),
    "KWD": ("10.125", "1.005", "Demo and presentation"),
}


@pytest.fixture
def gateway(database_url):
    gw = Gateway(database_url, webhook_secret=SECRET, max_cost=0)  # it reads every amount field at once
    yield gw
    gw.close()


@pytest.fixture
def story(sales, gateway) -> None:
    """In each currency: a quote, an order, a delivery invoiced, issued and partly paid, an open
    opportunity on its own stage, and a payment that accounting reported and salesflow refused."""
    stages = sales.stages()
    for currency, (amount, paid, stage) in DEALS.items():
        won = sales.opportunity(f"{currency} deal", currency=currency)
        sales.quote(won["id"])
        order = sales.order(won["id"], currency=currency)
        invoice = sales.issue(sales.deliver(order, {0: "4"})["invoice"]["id"])
        sales.pay(invoice["id"], paid)
        sales.opportunity(f"{currency} hope", currency=currency, amount=amount, stageId=stages[stage]["id"])
        raw = orjson.dumps(
            {
                "externalId": f"lost-{currency}",
                "invoiceNumber": "INV/1999/99999",
                "amount": "50",
                "currency": currency,
                "paidAt": datetime.now(UTC).date().isoformat(),
            }
        )
        answer = gateway.http.post(
            "/hooks/payments", content=raw, headers={HEADER: sign(SECRET, raw), "Content-Type": "application/json"}
        )
        assert answer.status_code == 422, answer.text


def money_fields(value, gql_type, currency, seen: dict) -> None:
    """Walk a response beside its types; record (type, field) -> [(amount, currency)] for money."""
    if isinstance(value, list):
        for item in value:
            money_fields(item, gql_type, currency, seen)
        return
    if not isinstance(value, dict):
        return
    currency = value.get("currency", currency)
    for key, item in value.items():
        field = gql_type.fields[key]
        named = get_named_type(field.type)
        if named.name == "Decimal" and key not in NOT_MONEY and item is not None:
            seen.setdefault((gql_type.name, key), []).append((item, currency))
        elif isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            money_fields(item, named, currency, seen)


def test_every_amount_is_at_its_currencys_precision(story, admin):
    schema = build_schema()._schema
    seen: dict = {}
    money_fields(admin.run(EVERYTHING), schema.query_type, None, seen)
    wrong = [
        f"{t}.{f} = {amount!r} {currency}"
        for (t, f), found in seen.items()
        for amount, currency in found
        if not currency or Decimal(amount).as_tuple().exponent != -get_currency_precision(currency)
    ]
    assert not wrong, "amounts not at their currency's precision:\n" + "\n".join(wrong)
    assert {c for found in seen.values() for _a, c in found} == set(DEALS)
    every = {
        (name, f)
        for name, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType)
        for f, field in t.fields.items()
        if get_named_type(field.type).name == "Decimal" and f not in NOT_MONEY
    }
    assert sorted(every - set(seen)) == [], "money fields this walk never met: add them to EVERYTHING"


def test_an_amount_of_minus_zero_comes_back_as_zero(sales):
    opportunity = sales.opportunity("Nothing yet", currency="EUR", amount="-0")
    assert opportunity["amount"] == "0.00"
