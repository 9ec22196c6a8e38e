"""The seed's story, start to finish, on a fresh database: what `salesflow demo` prints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from ..adapters.sql import SqlUnitOfWork
from ..documents.archive import rendered
from ..domain.documents import DocumentFormat
from ..domain.money import round_money
from ..statemachine import invoice, lead, order, quote
from ..statemachine.engine import utcnow


def _money(amount, currency: str) -> str:
    return f"{round_money(amount, currency)} {currency}"


def _totals(doc) -> str:
    c = doc.currency
    return (
        f"subtotal {_money(doc.subtotal, c)}, discount {_money(doc.discount_total, c)}, "
        f"tax {_money(doc.tax_total, c)}, total {_money(doc.total, c)}"
    )


#: The proforma of the seed story: furniture and its installation.
STORY_LINES = [
    dict(description="Standing desk", quantity="12", unit_price="489.90", tax_rate="19"),
    dict(description="Ergonomic chair", quantity="12", unit_price="329.00", tax_rate="19"),
    dict(description="Installation (hours)", quantity="6.5", unit_price="85.00", tax_rate="19"),
]


def with_furniture_discount(lines) -> list[dict]:
    """The revision the customer negotiated: 7.5 % off the furniture, none off the installation."""
    return [
        dict(
            description=ln.description,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            tax_rate=ln.tax_rate,
            discount_percent="7.5" if ln.description != "Installation (hours)" else "0",
        )
        for ln in lines
    ]


def run_story(uow, say: Callable[[str], None] = print) -> dict:
    """Lead → account/contact/opportunity → proforma (revised after a discount) → order →
    two deliveries, an invoice each → both issued → one paid. Returns the documents."""
    today = utcnow().date()
    new_lead = lead.create_lead(
        uow,
        "Office fit-out for Parsian Trading",
        contact_name="Sara Ahmadi",
        company_name="Parsian Trading Ltd",
        email="Sara.Ahmadi@parsian.example",
        phone="+98 21 5555 0101",
        source="trade fair",
    )
    say(f"lead #{new_lead.id}      {new_lead.status:<20} {new_lead.title}")
    lead.mark_lead_contacted(uow, new_lead.id)
    conv = lead.convert_lead(uow, new_lead.id, currency="EUR")
    say(
        f"lead #{conv.lead.id}      {conv.lead.status:<20} → account #{conv.account.id} {conv.account.name!r}, "
        f"contact #{conv.contact.id} {conv.contact.name!r}, opportunity #{conv.opportunity.id}"
    )
    opp = conv.opportunity
    draft = quote.convert_opportunity_to_quote(
        uow,
        opp.id,
        "proforma",
        valid_until=today + timedelta(days=30),
        lines=STORY_LINES,
    )
    quote.send_quote(uow, draft.id)
    say(f"quote {draft.display_number:<14} sent                 {_totals(draft)}")
    revised, old = quote.revise_quote(uow, draft.id)
    revised = quote.update_quote(
        uow,
        revised.id,
        lines=with_furniture_discount(revised.lines),
    )
    say(f"quote {old.display_number:<14} {old.status:<20} (revised after a 7.5% discount on furniture)")
    quote.send_quote(uow, revised.id)
    accepted = order.convert_quote_to_order(uow, revised.id)
    so = accepted.order
    say(f"quote {revised.display_number:<14} {accepted.quote.status:<20} {_totals(accepted.quote)}")
    say(
        f"order {so.number:<14} {so.status:<20} {_totals(so)}; opportunity {accepted.opportunity.status}, "
        f"amount {_money(accepted.opportunity.amount, so.currency)}"
    )
    desks, chairs, install = so.lines
    first = order.record_delivery(
        uow, so.id, [dict(order_line_id=desks.id, quantity="12"), dict(order_line_id=chairs.id, quantity="5")]
    )
    second = order.record_delivery(
        uow, so.id, [dict(order_line_id=chairs.id, quantity="7"), dict(order_line_id=install.id, quantity="6.5")]
    )
    issued = []
    for stage in (first, second):
        say(f"delivery {stage.delivery.number:<11} order now {stage.order.status}")
        issued.append(invoice.issue_invoice(uow, stage.invoice.id))
    payment, paid = invoice.record_payment(uow, issued[0].id, issued[0].total, reference="bank transfer 4711")
    issued[0] = paid
    for inv in issued:
        say(f"invoice {inv.number:<12} {inv.status:<20} {_totals(inv)}; due {_money(inv.amount_due, inv.currency)}")
    say(
        f"invoices add up to the order: {_money(sum(i.total for i in issued), so.currency)} "
        f"= {_money(so.total, so.currency)}"
    )
    return dict(
        lead=conv.lead,
        opportunity=accepted.opportunity,
        quote=accepted.quote,
        previous_quote=old,
        order=so,
        deliveries=[first.delivery, second.delivery],
        invoices=issued,
        payment=payment,
    )


#: The documents the demo writes: the customer's proforma (the accepted revision) and both invoices.
DEMO_LOCALES = ("en", "fa-IR")


def write_documents(
    engine, story: dict, out_dir: Path, say: Callable[[str], None] = print, locales=DEMO_LOCALES
) -> list[Path]:
    """The story's proforma and invoices as PDFs in each locale, as their customer receives them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    now = utcnow()
    written = []
    for document in (story["quote"], *story["invoices"]):
        for locale in locales:
            with SqlUnitOfWork(engine, read_only=True) as reader:
                made = rendered(
                    reader,
                    lambda: SqlUnitOfWork(engine),
                    document,
                    DocumentFormat.PDF,
                    locale,
                    today=now.date(),
                    now=now,
                )
            with SqlUnitOfWork(engine, read_only=True) as reader:  # kept by a transaction of its own
                blob = reader.blobs.find(sha256=made.sha256)
            path = out_dir / f"{Path(made.filename).stem}.{made.locale}.pdf"
            path.write_bytes(blob[0].content)
            written.append(path)
            say(f"wrote {path}")
    return written
