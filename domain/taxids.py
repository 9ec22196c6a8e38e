"""Tax identifiers: each one checked by its own rule, and kept in one canonical form.

Input may be typed with Persian (۰–۹) or Arabic-Indic (٠–٩) digits, and grouped with spaces, dashes
or dots, or carry the direction marks that copying from a right-to-left page brings along; what is
stored is the bare identifier in ASCII (`national_id` 0076229645, `vat_number` DE136695976).

Which identifiers a party may have follows its `country` (ISO 3166-1 alpha-2), as `SCHEMES` says:

- Iran (IR): `national_id`, `economic_code`; `postal_code` by Iran Post's rules;
- Turkey (TR): `tax_number` (VKN or TCKN) and `tax_office`;
- elsewhere: `vat_number`; `postal_code` is kept as typed (one line).

An identifier of another country's scheme is refused (INVALID_TAX_ID naming it): a Turkish party with
an Iranian economic code is a typing mistake, and a document would print it under the wrong heading.
A party whose country is not set yet may have any identifier, each checked by its own rule.

Where the rules come from:

- `python-stdnum` (no Iranian module as of 2.2): Turkish VKN (`stdnum.tr.vkn`), TCKN
  (`stdnum.tr.tckimlik`), and VAT numbers (`stdnum.vatin`, or the country's own VAT module).
- Written here because no maintained library has them:
  - کد ملی, an Iranian person's 10-digit national code: the tenth digit is a mod-11 check of the first
    nine weighted 10…2 (r = Σ dᵢ·(10−i) mod 11; check = r if r < 2 else 11 − r). Numbers are often
    written without their leading zeros, so 8 and 9 digits are padded to 10.
  - شناسه ملی, an Iranian legal entity's 11-digit national ID (issued by the registration
    organisation, ثبت اسناد و املاک): with k = tenth digit + 2, s = Σ (k + dᵢ)·wᵢ for the first ten
    digits, weights 29, 27, 23, 19, 17 repeating; s mod 11 (10 counting as 0) is the eleventh digit.
    This is the algorithm persian-tools (`verifyIranianLegalId`, MIT) implements, after the
    published description at aliarash.com/article/shenasameli/shenasa_meli.htm.
  - Both refuse numbers whose six middle digits are all zero, and the کد ملی one whose ten digits
    are all the same (1111111111 passes the check digit but is no one's number).
- `economic_code` (کد اقتصادی): only its shape can be checked. Three shapes are in use: the legacy
  12-digit code of the tax administration (no public check digit: digits and length only); since the
  taxpayers' system (سامانه مودیان) a legal entity's economic code is its 11-digit national ID (its
  check digit is verified) and a person's is a 14-digit number (digits and length only).
- `postal_code` in Iran: ten digits, and, as Iran Post assigns them, neither 0 nor 2 among the first
  five (they are too easily misread for 5 and 3 when handwritten). Whether a code exists is only known
  to Iran Post's own lookup service, which is not consulted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce

from babel import Locale
from stdnum import vatin
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError
from stdnum.tr import tckimlik, vkn

from .errors import DomainError, ErrorCode
from .message import Message
from .text import camel

IRAN, TURKEY = "IR", "TR"

#: Separators people type inside a number: whitespace, any dash, dots, slashes and underscores.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212./_]+")
_DIGITS = re.compile(r"\d")
_COUNTRY = re.compile(r"[A-Z]{2}")
#: CLDR's two-letter regions that are not countries (unions, pseudo-locales, the unknown region).
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
#: The ISO 3166-1 alpha-2 codes CLDR knows (Babel's territories, less numeric regions and the above).
COUNTRIES = frozenset(c for c in Locale("en").territories if _COUNTRY.fullmatch(c)) - _NOT_COUNTRIES


def compact(value: str) -> str:
    """The identifier without separators or format characters, its digits in ASCII, upper-cased."""
    kept = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")  # LRM, RLM, ZWNJ …
    kept = _DIGITS.sub(lambda m: str(unicodedata.decimal(m.group())), _SEPARATORS.sub("", kept))
    return kept.upper()


class Invalid(ValueError):
    """Why an identifier fails its rule: a Message that follows the value (`'123' must have 10 digits, not 3`)."""

    def __init__(self, why: Message):
        super().__init__(str(why))
        self.why = why


def _either(lengths: tuple[int, ...]) -> Message | int:
    """The allowed lengths as a reader says them: 10, or 10 or 11, or 11, 12 or 14 (commas translated too)."""
    *some, last = lengths
    if not some:
        return last
    listed = reduce(lambda first, second: Message("{first}, {second}", first=first, second=second), some)
    return Message("{some} or {last}", some=listed, last=last)


def _digits(value: str, *lengths: int) -> str:
    if not value.isascii() or not value.isdigit():
        raise Invalid(Message("must consist of digits only"))
    if len(value) not in lengths:
        raise Invalid(Message("must have {wanted} digits, not {count}", wanted=_either(lengths), count=len(value)))
    return value


#: What python-stdnum's exceptions say, in words the catalogs translate (its own texts are English only).
#: Looked up along the exception's classes, so a subclass reads as its nearest listed parent.
STDNUM_REASONS: Mapping[type[ValidationError], Message] = {
    InvalidChecksum: Message("the number's checksum or check digit is invalid"),
    InvalidLength: Message("the number has an invalid length"),
    InvalidFormat: Message("the number has an invalid format"),
    InvalidComponent: Message("one of the parts of the number are invalid or unknown"),
    ValidationError: Message("the number is invalid"),
}


def _reason(err: ValidationError) -> Message:
    return next(STDNUM_REASONS[cls] for cls in type(err).__mro__ if cls in STDNUM_REASONS)


def person_code_is_valid(code: str) -> bool:
    """Does a 10-digit Iranian national code (کد ملی) pass its check digit?"""
    d = [int(c) for c in code]
    if len(set(d)) == 1 or not any(d[3:9]):
        return False
    r = sum(d[i] * (10 - i) for i in range(9)) % 11
    return d[9] == (r if r < 2 else 11 - r)


_LEGAL_WEIGHTS = (29, 27, 23, 19, 17)


def legal_id_is_valid(code: str) -> bool:
    """Does an 11-digit Iranian legal entity's national ID (شناسه ملی) pass its check digit?"""
    d = [int(c) for c in code]
    if not any(d[3:9]):
        return False
    k = d[9] + 2
    s = sum((k + d[i]) * _LEGAL_WEIGHTS[i % 5] for i in range(10)) % 11
    return d[10] == (0 if s == 10 else s)


def iranian_national_id(value: str) -> str:
    """A person's کد ملی (8–10 digits, padded to 10) or a legal entity's شناسه ملی (11 digits)."""
    if value.isascii() and value.isdigit() and len(value) in (8, 9):
        value = value.zfill(10)
    _digits(value, 10, 11)
    valid = person_code_is_valid(value) if len(value) == 10 else legal_id_is_valid(value)
    if not valid:
        if len(value) == 10:
            raise Invalid(Message("fails the check digit of a person's national code (کد ملی)"))
        raise Invalid(Message("fails the check digit of a legal entity's national ID (شناسه ملی)"))
    return value


def iranian_economic_code(value: str) -> str:
    """کد اقتصادی: a legal entity's national ID (11 digits, checked), legacy 12 or a person's 14 digits."""
    _digits(value, 11, 12, 14)
    if len(value) == 11 and not legal_id_is_valid(value):
        raise Invalid(Message("has 11 digits, so it is a legal entity's national ID, and fails its check digit"))
    return value


def iranian_postal_code(value: str) -> str:
    """Ten digits, no 0 or 2 among the first five (Iran Post)."""
    _digits(value, 10)
    if set(value[:5]) & {"0", "2"}:
        raise Invalid(Message("cannot have 0 or 2 among its first five digits (Iran Post's rule)"))
    return value


def turkish_tax_number(value: str) -> str:
    """VKN (10 digits, a business) or TCKN (11 digits, a person), by python-stdnum."""
    _digits(value, 10, 11)
    module, kind = (vkn, "VKN") if len(value) == 10 else (tckimlik, "TCKN")
    try:
        return module.validate(value)
    except ValidationError as err:
        raise Invalid(Message("is not a valid {kind}: {reason}", kind=kind, reason=_reason(err))) from None


#: Where a VAT number's prefix is not the country's ISO code: Greece's EU prefix is EL (VIES knows no
#: GR), and a Swiss UID is written CHE.
VAT_PREFIXES = {"GR": "EL", "CH": "CHE"}


def vat_number(value: str, country: str | None) -> str:
    """A VAT number, with its country prefix (added from the party's country if missing), by python-stdnum."""
    if country and not value[:2].isalpha():
        value = VAT_PREFIXES.get(country, country) + value
    if not value[:2].isalpha():
        raise Invalid(Message("needs its country prefix (DE136695976), or the party's country set"))
    try:
        return vatin.validate(value)
    except ValidationError as err:
        raise Invalid(Message("is not a valid VAT number: {reason}", reason=_reason(err))) from None


def free_text(value: str) -> str:
    """Free text (a tax office, a foreign postal code): kept as typed, trimmed."""
    return value


@dataclass(frozen=True)
class Rule:
    """How one identifier is checked: its countries (None: any but those with a scheme of their own)."""

    countries: frozenset[str] | None
    check: Callable[[str, str | None], str]  # (compacted value, country) -> canonical value
    compact: bool = True  # False: free text, kept as typed (trimmed)


#: identifier -> its rule. The one table of which identifier belongs where and how it is checked.
SCHEMES: Mapping[str, Rule] = {
    "national_id": Rule(frozenset({IRAN}), lambda v, _c: iranian_national_id(v)),
    "economic_code": Rule(frozenset({IRAN}), lambda v, _c: iranian_economic_code(v)),
    "tax_number": Rule(frozenset({TURKEY}), lambda v, _c: turkish_tax_number(v)),
    "tax_office": Rule(frozenset({TURKEY}), lambda v, _c: free_text(v), compact=False),
    "vat_number": Rule(None, vat_number),
    # Every country has postal codes: Iran's are checked, others kept as typed.
    "postal_code": Rule(
        frozenset(),
        lambda v, c: iranian_postal_code(compact(v)) if c == IRAN else free_text(v),
        compact=False,
    ),
}
#: Countries with a scheme of their own, where `vat_number` does not apply.
OWN_SCHEMES = frozenset(c for rule in SCHEMES.values() if rule.countries for c in rule.countries)
#: What each identifier is, in error messages.
NAMES = {
    "national_id": Message("national ID (شناسه ملی / کد ملی)"),
    "economic_code": Message("economic code (کد اقتصادی)"),
    "tax_number": Message("tax number (VKN / TCKN)"),
    "tax_office": Message("tax office (vergi dairesi)"),
    "vat_number": Message("VAT number"),
    "postal_code": Message("postal code"),
}
#: Where a scheme applies, in error messages (keyed by the countries of its Rule; None: the rest).
WHERE = {IRAN: Message("Iran"), TURKEY: Message("Turkey"), None: Message("other countries")}


def _applies(rule: Rule, country: str | None) -> bool:
    if country is None or rule.countries == frozenset():
        return True
    if rule.countries is None:
        return country not in OWN_SCHEMES
    return country in rule.countries


def check_country(value: str | None, field: str = "country") -> str | None:
    """An ISO 3166-1 alpha-2 code, upper-cased; VALIDATION naming the field otherwise."""
    if value is None:
        return None
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise DomainError(
            ErrorCode.VALIDATION, "{value!r} is not an ISO 3166-1 alpha-2 country code", camel(field), value=value
        )
    return code


def check_identifier(name: str, value: str | None, country: str | None) -> str | None:
    """The canonical form of one identifier of a party in `country` (None if blank: not set);
    INVALID_TAX_ID naming it otherwise."""
    if value is None or not value.strip():
        return None
    rule = SCHEMES[name]
    field = camel(name)
    if not _applies(rule, country):
        home = next(iter(rule.countries)) if rule.countries and len(rule.countries) == 1 else None
        raise DomainError(
            ErrorCode.INVALID_TAX_ID,
            "{field}: a {identifier} belongs to {where}, and this party's country is {country}",
            field,
            field=field,
            identifier=NAMES[name],
            where=WHERE.get(home, WHERE[None]),
            country=country,
        )
    typed = value.strip()
    try:
        return rule.check(compact(typed) if rule.compact else typed, country)
    except Invalid as why:
        raise DomainError(
            ErrorCode.INVALID_TAX_ID, "{field}: {value!r} {why}", field, field=field, value=value, why=why.why
        ) from None


def check_tax_identity(current: Mapping[str, str | None], changes: Mapping[str, str | None]) -> dict:
    """The changes to a party's tax identity in canonical form, every identifier checked against the
    country it will have (a change of country re-checks the identifiers it keeps)."""
    out = dict(changes)
    if "country" in changes:
        out["country"] = check_country(changes["country"])
    country = out.get("country", current.get("country"))
    for name in SCHEMES:
        if name in changes:
            out[name] = check_identifier(name, changes[name], country)
        elif "country" in changes and current.get(name) is not None:
            check_identifier(name, current[name], country)  # kept: must still belong
    return out
