"""The `odoo` backend against a fake Odoo speaking JSON-2 (Odoo 19) and XML-RPC (Odoo 18 and older):
conformance over both, then what is particular to Odoo."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from salesflow.adapters.odoo import OdooBackend, OdooRPC
from salesflow.adapters.odoo.fake import FakeOdoo
from salesflow.adapters.registry import load
from salesflow.adapters.testing import (
    CUSTOMER,
    BackendConformance,
    all_payments,
    newly_paid,
    sample_invoice,
)
from salesflow.domain.accounting import BackendError, Customer, idempotency_key
from salesflow.domain.errors import DomainError


@pytest.fixture
def odoo():
    with FakeOdoo() as fake:
        yield fake


@pytest.fixture
def old_odoo():
    with FakeOdoo(json2_enabled=False) as fake:
        yield fake


def backend_for(fake: FakeOdoo, **options) -> OdooBackend:
    options.setdefault("login", fake.login)
    options.setdefault("timeout", 5)
    return OdooBackend(fake.url, fake.db, fake.api_key, **options)


def push(backend, invoice, customer=CUSTOMER):
    return backend.push_invoice(invoice, customer, idempotency_key=idempotency_key(invoice.number, "odoo", "push"))


def void(backend, invoice, ref):
    backend.void_invoice(invoice, ref, idempotency_key=idempotency_key(invoice.number, "odoo", "void"))


class OdooConformance(BackendConformance):
    def recorded(self, backend, number):
        return sum(1 for move in self.fake.moves(ref=number) if move["move_type"] == "out_invoice")

    def voided(self, backend, number):
        return any(move["state"] == "cancel" for move in self.fake.moves(ref=number))

    def pay(self, backend, invoice, amount):
        self.fake.pay(invoice.number, amount)

    @contextmanager
    def outage(self, backend):
        self.fake.down()
        try:
            yield
        finally:
            self.fake.up()

    @contextmanager
    def lost_answer(self, backend):
        self.fake.lose_next_answer("account.move", "create")
        yield


class TestOdooOverJson2(OdooConformance):
    @pytest.fixture
    def backend(self, odoo):
        self.fake = odoo
        backend = backend_for(odoo)
        yield backend
        assert {protocol for protocol, _, _ in odoo.calls} <= {"json2"}


class TestOdooOverXmlRpc(OdooConformance):
    @pytest.fixture
    def backend(self, old_odoo):
        self.fake = old_odoo
        backend = backend_for(old_odoo)  # protocol auto: falls back after the 404 on /json/2
        yield backend
        assert backend.rpc.protocol in (None, "xmlrpc")
        assert sum(1 for call in old_odoo.calls if call[0] == "json2") <= 1, "the 404 is taken once"


# -- mapping ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["odoo", "old_odoo"])
def test_two_invoices_of_one_customer_share_one_partner(fixture, request):
    fake = request.getfixturevalue(fixture)
    backend = backend_for(fake)
    push(backend, sample_invoice())
    push(backend, sample_invoice())
    (partner,) = fake.partners()
    assert partner["ref"] == "salesflow:account:1" and partner["name"] == CUSTOMER.name
    assert partner["email"] == CUSTOMER.email and partner["is_company"] is True
    assert {move["partner_id"] for move in fake.moves()} == {partner["id"]}


def test_a_person_without_an_account_is_a_partner_of_their_own(odoo):
    backend = backend_for(odoo)
    push(backend, sample_invoice(), Customer(name="Ada Ferrante", contact_id=7))
    (partner,) = odoo.partners()
    assert partner["ref"] == "salesflow:contact:7" and partner["is_company"] is False


def test_lines_and_taxes_are_mapped_and_odoo_computes_the_same_total(odoo):
    invoice = sample_invoice()
    ref = push(backend_for(odoo), invoice)
    (move,) = odoo.moves(ref=invoice.number)
    assert ref == str(move["id"]) and move["state"] == "posted" and move["name"] == "INV/2026/00001"
    assert move["move_type"] == "out_invoice" and move["invoice_date"] == "2026-11-23"
    assert move["invoice_date_due"] == "2026-12-23"
    assert (move["amount_untaxed"], move["amount_tax"], move["amount_total"]) == (
        Decimal("892.50"),
        Decimal("181.80"),
        Decimal("1074.30"),
    )
    assert move["amount_total"] == invoice.total
    taxes = {tax_id: rate for tax_id, rate in [(1, Decimal(21)), (4, Decimal(6))]}  # the fake's sale taxes
    assert [
        (line["name"], line["quantity"], line["price_unit"], line["discount"], [taxes[t] for t in line["tax_ids"]])
        for line in move["lines"]
    ] == [
        ("Consulting day", Decimal(2), Decimal(450), Decimal(5), [Decimal(21)]),
        ("[DOC-1] Manual", Decimal(3), Decimal("12.5"), Decimal(0), [Decimal(6)]),
    ]


def test_a_zero_rate_uses_the_zero_sale_tax(odoo):
    invoice = sample_invoice()
    for line in invoice.lines:
        line.tax_rate = Decimal(0)
        line.price("EUR")
    invoice.retotal()
    push(backend_for(odoo), invoice)
    (move,) = odoo.moves(ref=invoice.number)
    assert [line["tax_ids"] for line in move["lines"]] == [[5], [5]] and move["amount_total"] == Decimal("892.50")


def test_an_unknown_tax_rate_is_a_permanent_error_naming_the_rate(odoo):
    invoice = sample_invoice()
    invoice.lines[0].tax_rate = Decimal("19.5")
    with pytest.raises(BackendError) as caught:
        push(backend_for(odoo), invoice)
    assert not caught.value.transient and "19.5%" in str(caught.value)
    assert odoo.moves() == []


def test_a_currency_not_active_in_odoo_is_a_permanent_error(odoo):
    with pytest.raises(BackendError) as caught:
        push(backend_for(odoo), sample_invoice(currency="GBP"))
    assert not caught.value.transient and "GBP" in str(caught.value)


def test_an_invoice_odoo_totals_differently_stays_a_draft_and_is_not_posted(odoo):
    # a partial invoice rounded cumulatively can be a cent off Odoo's own line arithmetic
    invoice = sample_invoice()
    invoice.lines[1].net_amount += Decimal("0.01")
    invoice.lines[1].subtotal += Decimal("0.01")
    invoice.lines[1].total += Decimal("0.01")
    invoice.retotal()
    with pytest.raises(BackendError) as caught:
        push(backend_for(odoo), invoice)
    assert not caught.value.transient and "1074.30" in str(caught.value) and "1074.31" in str(caught.value)
    assert [move["state"] for move in odoo.moves(ref=invoice.number)] == ["draft"]


# -- idempotency ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["odoo", "old_odoo"])
def test_a_draft_left_by_a_crash_between_create_and_post_is_posted_not_duplicated(fixture, request):
    fake = request.getfixturevalue(fixture)
    backend, invoice = backend_for(fake), sample_invoice()
    fake.lose_next_answer("account.move", "create")
    with pytest.raises(BackendError) as caught:
        push(backend, invoice)
    assert caught.value.transient
    assert [move["state"] for move in fake.moves(ref=invoice.number)] == ["draft"]
    ref = push(backend, invoice)
    (move,) = fake.moves(ref=invoice.number)
    assert move["state"] == "posted" and ref == str(move["id"])
    assert [call for call in fake.calls if call[1:] == ("account.move", "create")] == [
        (backend.rpc.protocol, "account.move", "create")
    ]


def test_a_post_whose_answer_was_lost_is_found_posted_and_not_posted_again(odoo):
    backend, invoice = backend_for(odoo), sample_invoice()
    odoo.lose_next_answer("account.move", "action_post", mode="500")
    with pytest.raises(BackendError) as caught:
        push(backend, invoice)
    assert caught.value.transient and "500" in str(caught.value)
    ref = push(backend, invoice)
    assert ref == str(odoo.moves(ref=invoice.number)[0]["id"])
    assert sum(1 for call in odoo.calls if call[2] == "action_post") == 1


def test_a_void_is_idempotent_and_a_voided_invoice_is_not_pushed_again(odoo):
    backend, invoice = backend_for(odoo), sample_invoice()
    ref = push(backend, invoice)
    odoo.lose_next_answer("account.move", "button_cancel")
    with pytest.raises(BackendError):
        void(backend, invoice, ref)
    void(backend, invoice, ref)
    void(backend, invoice, ref)
    assert [move["state"] for move in odoo.moves(ref=invoice.number)] == ["cancel"]
    assert push(backend, invoice) == ref and len(odoo.moves()) == 1
    assert sum(1 for call in odoo.calls if call[2] == "button_cancel") == 1


def test_a_void_finds_the_move_by_number_when_the_reference_is_not_an_id(odoo):
    backend, invoice = backend_for(odoo), sample_invoice()
    push(backend, invoice)
    void(backend, invoice, f"local:{invoice.number}")
    assert [move["state"] for move in odoo.moves(ref=invoice.number)] == ["cancel"]


def test_an_invoice_paid_in_odoo_cannot_be_voided_and_that_is_permanent(odoo):
    backend, invoice = backend_for(odoo), sample_invoice()
    ref = push(backend, invoice)
    odoo.pay(invoice.number, "10.00")
    with pytest.raises(BackendError) as caught:
        void(backend, invoice, ref)
    assert not caught.value.transient and "422" in str(caught.value) and "UserError" in str(caught.value)


# -- protocols -----------------------------------------------------------------------------------------------


def test_an_older_odoo_is_detected_by_the_404_and_xmlrpc_is_kept(old_odoo):
    backend = backend_for(old_odoo)
    push(backend, sample_invoice())
    push(backend, sample_invoice())
    assert backend.health().ok
    json2 = [call for call in old_odoo.calls if call[0] == "json2"]
    assert len(json2) == 1 and old_odoo.calls[0][0] == "json2"
    assert {call[0] for call in old_odoo.calls[1:]} == {"xmlrpc"}
    assert old_odoo.calls[1] == ("xmlrpc", "common", "authenticate")
    assert sum(1 for call in old_odoo.calls if call[2] == "authenticate") == 1
    assert "18.0" in backend.health().detail and "xmlrpc" in backend.health().detail


def test_a_newer_odoo_is_spoken_to_in_json2_only(odoo):
    backend = backend_for(odoo)
    push(backend, sample_invoice())
    assert backend.rpc.protocol == "json2" and {call[0] for call in odoo.calls} == {"json2"}


def test_json2_asked_of_an_older_odoo_is_a_permanent_error_that_says_what_to_set(old_odoo):
    with pytest.raises(BackendError) as caught:
        push(backend_for(old_odoo, protocol="json2"), sample_invoice())
    assert not caught.value.transient and "SALESFLOW_ODOO_PROTOCOL" in str(caught.value)


def test_xmlrpc_can_be_chosen_on_a_newer_odoo(odoo):
    backend = backend_for(odoo, protocol="xmlrpc")
    push(backend, sample_invoice())
    assert {call[0] for call in odoo.calls} == {"xmlrpc"}


def test_an_unknown_model_over_json2_is_not_taken_for_an_older_odoo(odoo):
    backend = backend_for(odoo)
    backend.rpc.call("res.users", "context_get")
    with pytest.raises(BackendError) as caught:
        backend.rpc.call("no.such.model", "search", domain=[])
    assert not caught.value.transient and "404" in str(caught.value) and "does not exist" in str(caught.value)
    assert backend.rpc.protocol == "json2"


def test_the_fake_evaluates_odoo_domains_in_prefix_notation(odoo):
    backend = backend_for(odoo)
    push(backend, sample_invoice(), Customer(name="Ferrante Tools BV", account_id=1))
    push(backend, sample_invoice(), Customer(name="Bakker & Zonen", contact_id=3))
    rpc = backend.rpc
    assert (
        rpc.call(
            "res.partner",
            "search_count",
            domain=["|", ("name", "ilike", "ferrANTE"), "!", ("ref", "=like", "salesflow:%")],
        )
        == 1
    )
    assert rpc.call("res.partner", "search_count", domain=[("ref", "=like", "salesflow:_ccount:%")]) == 1
    assert rpc.call("res.currency", "search", domain=[("name", "in", ["GBP", "USD"])]) == [2]  # GBP is inactive
    assert rpc.call("res.currency", "search", domain=[("name", "=", "GBP"), ("active", "=", False)]) == [3]
    assert rpc.call(
        "account.tax", "search", domain=[("amount", ">=", 12), ("type_tax_use", "!=", "purchase")], order="amount desc"
    ) == [1, 3]


@pytest.mark.parametrize("fixture, status, transient", [("odoo", "404", False), ("old_odoo", "AttributeError", True)])
def test_an_unknown_method_is_refused_as_each_protocol_does(fixture, status, transient, request):
    fake = request.getfixturevalue(fixture)
    with pytest.raises(BackendError) as caught:
        backend_for(fake).rpc.call("account.move", "action_fly", ids=[1])
    assert caught.value.transient is transient and status in str(caught.value)
    assert "The method 'action_fly' does not exist on the model 'account.move'" in str(caught.value)


# -- errors --------------------------------------------------------------------------------------------------


def test_a_wrong_api_key_is_a_permanent_401_that_does_not_show_the_key(odoo):
    backend = OdooBackend(odoo.url, odoo.db, "wrong-key-0123456789abcdef", login=odoo.login)
    with pytest.raises(BackendError) as caught:
        push(backend, sample_invoice())
    message = str(caught.value)
    assert not caught.value.transient and "401" in message and "Invalid apikey" in message
    assert "wrong-key-0123456789abcdef" not in message
    health = backend.health()
    assert not health.ok and "wrong-key" not in health.detail


def test_a_wrong_api_key_over_xmlrpc_is_a_permanent_refusal_that_does_not_show_the_key(old_odoo):
    backend = OdooBackend(old_odoo.url, old_odoo.db, "wrong-key-0123456789abcdef", login=old_odoo.login)
    with pytest.raises(BackendError) as caught:
        push(backend, sample_invoice())
    assert not caught.value.transient and "refused login" in str(caught.value)
    assert "wrong-key-0123456789abcdef" not in str(caught.value)


@pytest.mark.parametrize(
    "status, transient", [(500, True), (502, True), (503, True), (429, True), (408, True), (400, False), (403, False)]
)
@pytest.mark.parametrize("fixture", ["odoo", "old_odoo"])
def test_http_failures_are_transient_or_permanent_by_status(fixture, status, transient, request):
    fake = request.getfixturevalue(fixture)
    backend = backend_for(fake)
    backend.health()  # the protocol is known and, for XML-RPC, the login done
    fake.fail_next(1, status)
    with pytest.raises(BackendError) as caught:
        push(backend, sample_invoice())
    assert caught.value.transient is transient and str(status) in str(caught.value)
    assert fake.api_key not in str(caught.value)


@pytest.mark.parametrize("fixture", ["odoo", "old_odoo"])
def test_odoos_own_refusal_is_permanent_with_its_message(fixture, request):
    fake = request.getfixturevalue(fixture)
    backend, invoice = backend_for(fake), sample_invoice()
    ref = push(backend, invoice)
    with pytest.raises(BackendError) as caught:
        backend.rpc.call("account.move", "action_post", ids=[int(ref)])
    assert not caught.value.transient and "UserError" in str(caught.value)
    assert "is already posted" in str(caught.value)


def test_a_server_answering_503_is_down_and_retried(odoo):
    backend = backend_for(odoo)
    odoo.down(503)
    with pytest.raises(BackendError) as caught:
        backend.fetch_payments(None)
    assert caught.value.transient and "503" in str(caught.value)
    assert not backend.health().ok
    odoo.up()
    assert backend.health().ok


def test_a_timeout_is_transient():
    def hang(request):
        raise httpx.ReadTimeout("timed out", request=request)

    backend = OdooBackend("http://odoo.invalid", "db", "key-0123456789", transport=httpx.MockTransport(hang))
    with pytest.raises(BackendError) as caught:
        push(backend, sample_invoice())
    assert caught.value.transient and "timed out" in str(caught.value)


def test_the_json2_request_is_the_documented_one():
    seen = []

    def odoo19(request):
        seen.append(request)
        return httpx.Response(200, json={"lang": "en_US", "uid": 2})

    rpc = OdooRPC("https://erp.example.com/", "acme", "k" * 40, transport=httpx.MockTransport(odoo19))
    rpc.call("res.partner", "read", ids=[1, 2], fields=["name"])
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", "https://erp.example.com/json/2/res.partner/read")
    assert request.headers["Authorization"] == "bearer " + "k" * 40 and request.headers["X-Odoo-Database"] == "acme"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {"ids": [1, 2], "fields": ["name"]}


# -- payments ------------------------------------------------------------------------------------------------


def test_payments_are_running_totals_with_one_id_per_step(odoo):
    backend, invoice = backend_for(odoo), sample_invoice()
    move_id = push(backend, invoice)
    odoo.pay(invoice.number, "40.00")
    first, cursor = all_payments(backend)
    odoo.pay(invoice.number, "1034.30")
    later, _ = all_payments(backend, cursor)
    assert [(p.external_id, p.amount, p.cumulative) for p in first + later] == [
        (f"{move_id}@40.00", Decimal("40.00"), True),
        (f"{move_id}@1074.30", Decimal("1074.30"), True),
    ]
    assert newly_paid(first + later, invoice.number) == [Decimal("40.00"), Decimal("1034.30")]
    assert later[0].paid_at == date(2026, 1, 5) and later[0].reference == "INV/2026/00001"
    assert odoo.moves(ref=invoice.number)[0]["payment_state"] == "paid"


@pytest.mark.parametrize("fixture", ["odoo", "old_odoo"])
def test_the_cursor_pages_over_more_moves_than_a_page_without_repeats(fixture, request):
    fake = request.getfixturevalue(fixture)
    backend = backend_for(fake, page_size=3)
    invoices = [sample_invoice() for _ in range(8)]
    for invoice in invoices:
        push(backend, invoice)
    fake.pay(invoices[0].number, "1.00")
    with fake.same_second():  # one write_date for five moves: the page ends inside that second
        for invoice in invoices[1:6]:
            fake.pay(invoice.number, "2.00")
    for invoice in invoices[6:]:
        fake.pay(invoice.number, "3.00")
    pages, cursor, seen = 0, None, []
    while True:
        page = backend.fetch_payments(cursor)
        if not page.statements:
            break
        assert len(page.statements) <= 3
        pages, cursor, seen = pages + 1, page.cursor, seen + [e for st in page.statements for e in st.payments]
    assert pages >= 3 and len(seen) == 8 and len({p.external_id for p in seen}) == 8
    assert sorted(p.invoice_number for p in seen) == sorted(i.number for i in invoices)
    assert all_payments(backend, cursor)[0] == []


def test_unpaid_moves_move_the_cursor_without_ending_the_read_early(odoo):
    backend = backend_for(odoo, page_size=2)
    invoices = [sample_invoice() for _ in range(7)]
    for invoice in invoices:
        push(backend, invoice)
    odoo.pay(invoices[-1].number, "5.00")  # behind three pages of moves with nothing paid
    payments, _ = all_payments(backend)
    assert [p.invoice_number for p in payments if p.amount] == [invoices[-1].number]


def test_changes_from_the_last_seconds_wait_for_the_next_read(odoo):
    now = {"at": datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)}
    backend = backend_for(odoo, clock=lambda: now["at"], settle_seconds=5)
    invoice = sample_invoice()
    push(backend, invoice)
    odoo.pay(invoice.number, "7.00")
    paid_at = datetime.strptime(odoo.moves(ref=invoice.number)[0]["write_date"], "%Y-%m-%d %H:%M:%S")
    now["at"] = paid_at.replace(tzinfo=UTC)
    assert all_payments(backend) == ([], None)
    now["at"] += timedelta(seconds=6)
    assert [p.amount for p in all_payments(backend)[0]] == [Decimal("7.00")]


def test_a_cursor_that_is_not_ours_is_refused(odoo):
    with pytest.raises(BackendError) as caught:
        backend_for(odoo).fetch_payments("page=3")
    assert not caught.value.transient


# -- settings --------------------------------------------------------------------------------------------------

SETTINGS = {
    "SALESFLOW_ODOO_URL": "https://erp.example.com",
    "SALESFLOW_ODOO_DB": "acme",
    "SALESFLOW_ODOO_API_KEY": "0123456789abcdef0123456789abcdef01234567",
}


@pytest.mark.parametrize("missing", sorted(SETTINGS))
def test_a_missing_setting_is_a_domain_error_naming_the_variable(missing):
    env = {k: v for k, v in SETTINGS.items() if k != missing}
    with pytest.raises(DomainError) as caught:
        OdooBackend.from_settings(env)
    assert caught.value.field == (missing,) and missing in caught.value.message


@pytest.mark.parametrize(
    "variable, value",
    [
        ("SALESFLOW_ODOO_PROTOCOL", "jsonrpc"),
        ("SALESFLOW_ODOO_TIMEOUT", "soon"),
        ("SALESFLOW_ODOO_TIMEOUT", "0"),
        ("SALESFLOW_ODOO_URL", "erp.example.com"),
    ],
)
def test_a_wrong_setting_is_a_domain_error_naming_the_variable(variable, value):
    with pytest.raises(DomainError) as caught:
        OdooBackend.from_settings({**SETTINGS, variable: value})
    assert caught.value.field == (variable,)


def test_xmlrpc_without_a_login_is_refused_at_start_up():
    with pytest.raises(DomainError) as caught:
        OdooBackend.from_settings({**SETTINGS, "SALESFLOW_ODOO_PROTOCOL": "xmlrpc"})
    assert caught.value.field == ("SALESFLOW_ODOO_LOGIN",)


def test_the_registry_builds_it_from_the_environment():
    (backend,) = load(
        "odoo",
        {
            **SETTINGS,
            "SALESFLOW_ODOO_LOGIN": "bot",
            "SALESFLOW_ODOO_PROTOCOL": "XMLRPC",
            "SALESFLOW_ODOO_TIMEOUT": "2.5",
        },
    )
    assert isinstance(backend, OdooBackend) and backend.name == "odoo"
    assert (backend.rpc.url, backend.rpc.db, backend.rpc.login, backend.rpc.protocol) == (
        "https://erp.example.com",
        "acme",
        "bot",
        "xmlrpc",
    )
    assert backend.rpc.client.timeout.read == 2.5
