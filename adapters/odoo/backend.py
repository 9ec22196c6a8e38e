"""The `odoo` backend: issued invoices become posted customer invoices in Odoo, and what is paid
on them there comes back.

    customer -> res.partner, found by its ref "salesflow:account:<id>" (or contact) or created
    invoice  -> account.move, move_type "out_invoice", ref = the salesflow number, one line per
                line (name, quantity, price_unit, discount, tax_ids: the sale tax of that percent),
                then action_post
    void     -> button_draft, then button_cancel (Odoo cancels only drafts)
    payments <- amount_total − amount_residual of posted invoices, read in write_date order (also
                when it goes down: a payment unreconciled or cancelled is a reversal)

Pushing is idempotent by lookup, not by key: every push first searches the move by its number, so
a retry after a crash between create and post finds the draft and posts it, and a retry after the
post returns the posted move; neither creates a second invoice. Before posting, Odoo's total
must equal salesflow's: a difference (another rounding method, a price-included tax) leaves the
draft for an accountant and is a permanent error.

Odoo shows what is left to pay, not single payments, so each changed move is reported as a
statement of the total paid now (`cumulative`, under the id "<move id>@<total paid>"): salesflow
applies what is new and, when the total went down (a payment unreconciled or cancelled in Odoo),
reverses its latest payments from Odoo until it holds no more than Odoo does.
The cursor is "<write_date>|<ids read at that second>": Odoo shows write_date in whole seconds
while storing microseconds (before 19 a domain compares them too), so the last second is read
again, less the moves already read, and nothing is skipped or repeated. Seconds newer than
`settle_seconds` are left for the next read: write_date is when a transaction began, so a slow
one can still commit a change dated a moment ago.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx

from ...domain.accounting import (
    BackendError,
    Capabilities,
    Customer,
    ExternalPayment,
    Health,
    InvoicePayments,
    PaymentPage,
)
from ...domain.errors import DomainError, ErrorCode
from ...domain.invoice import Invoice
from ...domain.money import round_money
from .rpc import PROTOCOLS, OdooRPC

DATETIME = "%Y-%m-%d %H:%M:%S"  # how Odoo writes a datetime, in UTC
MOVE_FIELDS = [
    "id",
    "name",
    "ref",
    "state",
    "currency_id",
    "amount_total",
    "amount_residual",
    "payment_state",
    "write_date",
]
PAGE_SIZE = 80
PAGES_PER_FETCH = 20  # Odoo pages read in one fetch_payments while none of them has a payment
STATE_RANK = {"posted": 0, "draft": 1, "cancel": 2}  # which move counts when several carry the number


def partner_ref(customer: Customer) -> str:
    """The stable key of the customer's res.partner."""
    if customer.account_id is not None:
        return f"salesflow:account:{customer.account_id}"
    if customer.contact_id is not None:
        return f"salesflow:contact:{customer.contact_id}"
    return f"salesflow:name:{customer.name}"


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _money(value, currency: str) -> Decimal:
    """An amount Odoo sent as a float, exact at the currency's precision."""
    amount = Decimal(str(value or 0))
    try:
        return round_money(amount, currency)
    except DomainError:  # a currency Babel does not know: keep Odoo's digits
        return amount


def _name(many2one) -> str | None:
    """The display name of a many2one as Odoo reads it ([id, name], or False)."""
    return many2one[1] if isinstance(many2one, (list, tuple)) and len(many2one) == 2 else None


def _ids(created) -> list[int]:
    return list(created) if isinstance(created, (list, tuple)) else [created]


@dataclass(frozen=True)
class Position:
    """Where reading payments stopped: the last write_date read and the moves read at that second."""

    second: str
    seen: tuple[int, ...]

    @classmethod
    def parse(cls, cursor: str | None) -> Position | None:
        if cursor is None:
            return None
        try:
            second, ids = cursor.split("|", 1)
            datetime.strptime(second, DATETIME)
            return cls(second, tuple(int(i) for i in ids.split(",")))
        except ValueError:
            raise BackendError(f"not an odoo payments cursor: {cursor[:80]!r}", transient=False) from None

    def __str__(self) -> str:
        return f"{self.second}|{','.join(map(str, self.seen))}"

    def domain(self) -> list:
        """The moves changed after this position: a later second, or this one and not read yet."""
        later = (datetime.strptime(self.second, DATETIME) + timedelta(seconds=1)).strftime(DATETIME)
        return [
            "|",
            ("write_date", ">=", later),
            "&",
            ("write_date", ">=", self.second),
            ("id", "not in", list(self.seen)),
        ]

    @staticmethod
    def after(position: Position | None, rows: list[dict]) -> Position | None:
        if not rows:
            return position
        last = str(rows[-1]["write_date"])[:19]
        read = tuple(row["id"] for row in rows if str(row["write_date"])[:19] == last)
        if position is not None and position.second == last:
            read = position.seen + read
        return Position(last, read)


class OdooBackend:
    name = "odoo"
    capabilities = Capabilities(can_void=True, pulls_payments=True, payments_by_webhook=False, reports_reversals=True)

    def __init__(
        self,
        url: str,
        db: str,
        api_key: str,
        *,
        login: str | None = None,
        protocol: str = "auto",
        timeout: float = 10.0,
        client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        page_size: int = PAGE_SIZE,
        settle_seconds: float = 5.0,
        clock: Callable[[], datetime] | None = None,
    ):
        if not url.startswith(("http://", "https://")):
            raise DomainError(ErrorCode.VALIDATION, "SALESFLOW_ODOO_URL must be an http(s) URL", "SALESFLOW_ODOO_URL")
        if protocol not in PROTOCOLS:
            raise DomainError(
                ErrorCode.VALIDATION,
                "SALESFLOW_ODOO_PROTOCOL must be one of {protocols}",
                "SALESFLOW_ODOO_PROTOCOL",
                protocols=", ".join(PROTOCOLS),
            )
        if protocol == "xmlrpc" and not login:
            raise DomainError(
                ErrorCode.VALIDATION, "Odoo's XML-RPC API needs SALESFLOW_ODOO_LOGIN", "SALESFLOW_ODOO_LOGIN"
            )
        if not timeout > 0:
            raise DomainError(
                ErrorCode.VALIDATION,
                "SALESFLOW_ODOO_TIMEOUT must be a positive number of seconds",
                "SALESFLOW_ODOO_TIMEOUT",
            )
        self.rpc = OdooRPC(
            url, db, api_key, login=login, protocol=protocol, timeout=timeout, client=client, transport=transport
        )
        self.page_size, self.settle_seconds = page_size, settle_seconds
        self.clock = clock or (lambda: datetime.now(UTC))

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> OdooBackend:
        for var in ("SALESFLOW_ODOO_URL", "SALESFLOW_ODOO_DB", "SALESFLOW_ODOO_API_KEY"):
            if not (env.get(var) or "").strip():
                raise DomainError(ErrorCode.VALIDATION, "the odoo backend needs {var}", var, var=var)
        raw_timeout = env.get("SALESFLOW_ODOO_TIMEOUT") or "10"
        try:
            timeout = float(raw_timeout)
        except ValueError:
            raise DomainError(
                ErrorCode.VALIDATION,
                "SALESFLOW_ODOO_TIMEOUT is not a number: {value!r}",
                "SALESFLOW_ODOO_TIMEOUT",
                value=raw_timeout,
            ) from None
        return cls(
            env["SALESFLOW_ODOO_URL"].strip(),
            env["SALESFLOW_ODOO_DB"].strip(),
            env["SALESFLOW_ODOO_API_KEY"].strip(),
            login=(env.get("SALESFLOW_ODOO_LOGIN") or "").strip() or None,
            protocol=(env.get("SALESFLOW_ODOO_PROTOCOL") or "auto").strip().lower(),
            timeout=timeout,
        )

    def close(self) -> None:
        self.rpc.close()

    # -- push --------------------------------------------------------------------------------------------

    def push_invoice(self, invoice: Invoice, customer: Customer, *, idempotency_key: str) -> str:
        """Find the move by the invoice number or create it, then post it if it is a draft."""
        if not invoice.number:
            raise BackendError("an invoice without a number cannot go to Odoo", transient=False)
        move = self._find_move(invoice.number)
        if move is None:
            (move_id,) = _ids(self.rpc.call("account.move", "create", vals_list=[self._move_values(invoice, customer)]))
            move = self._read_move(move_id)
            if move is None:
                raise BackendError(f"Odoo created move {move_id} for {invoice.number} but cannot read it")
        if move["state"] == "draft":
            self._check_total(move, invoice)
            self.rpc.call("account.move", "action_post", ids=[move["id"]])
        return str(move["id"])

    def _find_move(self, number: str) -> dict | None:
        rows = self.rpc.call(
            "account.move",
            "search_read",
            domain=[("move_type", "=", "out_invoice"), ("ref", "=", number)],
            fields=MOVE_FIELDS,
            order="id asc",
        )
        return min(rows, key=lambda r: (STATE_RANK.get(r["state"], 3), r["id"])) if rows else None

    def _read_move(self, move_id: int) -> dict | None:
        rows = self.rpc.call("account.move", "read", ids=[move_id], fields=MOVE_FIELDS)
        return rows[0] if rows else None

    def _move_values(self, invoice: Invoice, customer: Customer) -> dict:
        taxes = self._sale_taxes({line.tax_rate for line in invoice.lines})
        lines = []
        for line in sorted(invoice.lines, key=lambda ln: ln.sequence):
            name = f"[{line.product_code}] {line.description}" if line.product_code else line.description
            lines.append(
                [
                    0,
                    0,
                    {
                        "name": name,
                        "quantity": float(line.quantity),
                        "price_unit": float(line.unit_price),
                        "discount": float(line.discount_percent),
                        "tax_ids": [[6, 0, taxes[line.tax_rate]]],
                    },
                ]
            )
        values = {
            "move_type": "out_invoice",
            "ref": invoice.number,
            "partner_id": self._partner(customer),
            "currency_id": self._currency(invoice.currency),
            "invoice_line_ids": lines,
        }
        if invoice.issue_date:
            values["invoice_date"] = invoice.issue_date.isoformat()
        if invoice.due_date:
            values["invoice_date_due"] = invoice.due_date.isoformat()
        return values

    def _partner(self, customer: Customer) -> int:
        ref = partner_ref(customer)
        found = self.rpc.call("res.partner", "search", domain=[("ref", "=", ref)], limit=1)
        if found:
            return found[0]
        values = {
            "name": customer.name,
            "ref": ref,
            "is_company": customer.account_id is not None,
            "email": customer.email or False,
            "phone": customer.phone or False,
        }
        return _ids(self.rpc.call("res.partner", "create", vals_list=[values]))[0]

    def _currency(self, code: str) -> int:
        found = self.rpc.call("res.currency", "search", domain=[("name", "=", code)], limit=1)
        if not found:
            raise BackendError(f"Odoo has no active currency {code}: activate it in Odoo, then retry", transient=False)
        return found[0]

    def _sale_taxes(self, rates: set[Decimal]) -> dict[Decimal, list[int]]:
        """rate -> [account.tax id]: the first percent sale tax of that amount. A 0 rate may have none."""
        rows = self.rpc.call(
            "account.tax",
            "search_read",
            domain=[
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", "in", [float(rate) for rate in rates]),
            ],
            fields=["id", "amount"],
            order="sequence asc, id asc",
        )
        by_rate: dict[Decimal, int] = {}
        for row in rows:
            by_rate.setdefault(Decimal(str(row["amount"])), row["id"])
        missing = sorted(rate for rate in rates if rate not in by_rate and rate != 0)
        if missing:
            raise BackendError(
                f"Odoo has no sale tax of {', '.join(map(_percent, missing))} (account.tax with "
                "amount_type 'percent' and type_tax_use 'sale'): create it in Odoo, then retry",
                transient=False,
            )
        return {rate: [by_rate[rate]] if rate in by_rate else [] for rate in rates}

    def _check_total(self, move: dict, invoice: Invoice) -> None:
        currency = _name(move["currency_id"])
        total = _money(move["amount_total"], invoice.currency)
        if currency != invoice.currency or total != invoice.total:
            raise BackendError(
                f"Odoo computes {total} {currency} for {invoice.number} (draft move {move['id']}), "
                f"salesflow {invoice.total} {invoice.currency}: the draft is left unposted in Odoo "
                "for an accountant to correct",
                transient=False,
            )

    # -- void ----------------------------------------------------------------------------------------------

    def void_invoice(self, invoice: Invoice, external_ref: str, *, idempotency_key: str) -> None:
        """Cancel the move (draft first when posted); an already cancelled one is left as it is."""
        move = self._read_move(int(external_ref)) if external_ref.isdigit() else None
        if move is None and invoice.number:
            move = self._find_move(invoice.number)
        if move is None:
            raise BackendError(f"Odoo has no invoice {invoice.number} (move {external_ref}) to cancel", transient=False)
        if move["state"] == "cancel":
            return
        if move["state"] == "posted":
            self.rpc.call("account.move", "button_draft", ids=[move["id"]])
        self.rpc.call("account.move", "button_cancel", ids=[move["id"]])

    # -- payments ----------------------------------------------------------------------------------------

    def fetch_payments(self, cursor: str | None) -> PaymentPage:
        """Posted invoices whose payment changed after the cursor, as running totals (`cumulative`)."""
        position = Position.parse(cursor)
        settled = (self.clock() - timedelta(seconds=self.settle_seconds)).strftime(DATETIME)
        statements: list[InvoicePayments] = []
        for _ in range(PAGES_PER_FETCH):
            domain = [
                ("move_type", "=", "out_invoice"),
                ("ref", "!=", False),
                ("state", "=", "posted"),
                ("write_date", "<", settled),
            ]
            rows = self.rpc.call(
                "account.move",
                "search_read",
                domain=domain + (position.domain() if position else []),
                fields=MOVE_FIELDS,
                order="write_date asc, id asc",
                limit=self.page_size,
            )
            statements.extend(self._statement(row) for row in rows)
            position = Position.after(position, rows)
            if any(s.payments[0].amount for s in statements) or len(rows) < self.page_size:
                break
        return PaymentPage(statements=statements, cursor=str(position) if position else cursor)

    @staticmethod
    def _statement(row: dict) -> InvoicePayments:
        """What is paid on a move now, as one running total; 0 once its payments were unreconciled."""
        currency = _name(row["currency_id"]) or ""
        paid = _money(row["amount_total"], currency) - _money(row["amount_residual"], currency)
        return InvoicePayments(
            row["ref"],
            (
                ExternalPayment(
                    external_id=f"{row['id']}@{paid}",
                    invoice_number=row["ref"],
                    amount=paid,
                    currency=currency,
                    paid_at=date.fromisoformat(str(row["write_date"])[:10]),
                    reference=row.get("name") or None,
                    cumulative=True,
                ),
            ),
        )

    # -- health --------------------------------------------------------------------------------------------

    def health(self) -> Health:
        """An authenticated call (res.users.context_get): whether the key, database and protocol work."""
        try:
            context = self.rpc.call("res.users", "context_get")
            version = self.rpc.version()
        except BackendError as err:
            return Health(False, str(err))
        uid = context.get("uid") if isinstance(context, dict) else None
        return Health(
            True,
            f"Odoo{' ' + version if version else ''} at {self.rpc.where}, database {self.rpc.db}, "
            f"user {uid}, over {self.rpc.protocol}",
        )
