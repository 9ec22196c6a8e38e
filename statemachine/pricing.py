"""Currency inheritance and line building shared by quotes, orders and invoices."""

from __future__ import annotations

from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.lines import PricedLine, parse_lines
from ..domain.money import check_currency
from ..domain.opportunity import Opportunity


def inherit_currency(opp: Opportunity, requested: str | None, field: str = "currency") -> str:
    """The document's currency: the opportunity's, or the requested one if they agree."""
    code = check_currency(requested, field) if requested else None
    if code and opp.currency and code != opp.currency:
        raise DomainError(
            ErrorCode.CURRENCY_MISMATCH,
            "opportunity {id} is in {currency}, not {code}",
            field,
            id=opp.id,
            currency=opp.currency,
            code=code,
        )
    code = code or opp.currency
    if not code:
        raise invalid("a currency is required: the opportunity has none yet", field)
    opp.currency = code
    return code


def build_lines(line_cls: type[PricedLine], raw_lines, currency: str, field: str = "lines") -> list:
    """Validated, priced lines of the given class from client input."""
    return [line_cls.from_input(ln, (i + 1) * 10, currency) for i, ln in enumerate(parse_lines(raw_lines, field))]


def copy_lines(line_cls: type[PricedLine], source_lines, currency: str) -> list:
    out = []
    for src in source_lines:
        line = line_cls(**src.copy_terms())
        line.price(currency)
        out.append(line)
    return out
