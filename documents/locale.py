"""How a locale writes the numbers, amounts, dates and words a document prints.

Every function takes a `Style` (the language, its Babel locale and how IRR is shown) and returns the
text to print. Amounts are printed exactly as stored, at least at the currency's precision (Babel's
CLDR data: IRR 0, TRY 2) and never rounded: a toman is a tenth of a rial, so 1,234,565 rials show as
123,456.5 tomans rather than losing the last digit.

fa: Persian digits with ٬ and ٫ as separators, Jalali dates, amounts followed by ریال or تومان.
tr and en: Babel's formats (`₺1.234,56`, `15.12.2026`; `€1,234.56`, `Dec 15, 2026`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import jdatetime
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision
from num2words import num2words

from ..i18n import language_of, translations

#: The tag rendered for each language, and the Babel locale that formats it.
CANONICAL = {"en": "en", "fa": "fa-IR", "tr": "tr-TR"}
BABEL_LOCALE = {"en": "en", "fa": "fa_IR", "tr": "tr_TR"}
RTL = frozenset({"fa"})

_PERSIAN = str.maketrans("0123456789%", "۰۱۲۳۴۵۶۷۸۹٪")
_TOMAN = Decimal(10)  # rials in a toman


def normalize_locale(tag: str | None) -> str | None:
    """The tag documents are rendered for (`fa-IR`, `tr-TR`, `en`), or None if the language is not one of those."""
    language = language_of(tag)
    return CANONICAL.get(language) if language else None


@dataclass(frozen=True)
class Style:
    """A language's way of writing a document's values."""

    language: str  # en, fa, tr
    irr_display: str = "rial"  # rial or toman

    @property
    def babel(self) -> str:
        return BABEL_LOCALE[self.language]

    @property
    def rtl(self) -> bool:
        return self.language in RTL

    def gettext(self, message: str) -> str:
        """The message in this language (English is the source)."""
        return translations("documents", self.language).gettext(message)

    @property
    def separator(self) -> str:
        """Between the parts of an address: the Arabic comma in Persian."""
        return "، " if self.language == "fa" else ", "

    def isolate(self, text: str | None) -> str | None:
        """A left-to-right value (a phone, an e-mail, a document number) kept whole inside right-to-left text.

        Unicode's bidi algorithm would otherwise reorder its parts: `+98 21 8888` would print as
        `8888 21 98+`. The isolate marks (LRI … PDI, Unicode 6.3) are honoured by typst and browsers.
        """
        return f"\u2066{text}\u2069" if text and self.rtl else text

    def native(self, text: str) -> str:
        """Digits (and the percent sign) in the language's own script: Persian digits for fa."""
        return text.translate(_PERSIAN) if self.language == "fa" else text


def unit_of(currency: str, style: Style) -> str:
    """The unit amounts are printed in: the currency, or `IRR-toman` when the company shows IRR in tomans."""
    return "IRR-toman" if currency == "IRR" and style.irr_display == "toman" else currency


def shown(amount: Decimal, currency: str, style: Style) -> tuple[Decimal, str, int]:
    """The amount as printed, its unit and the decimals that carry it (IRR may be shown in tomans)."""
    precision = get_currency_precision(currency)
    unit = unit_of(currency, style)
    if unit == "IRR-toman":
        return amount / _TOMAN, unit, precision + 1 if amount % _TOMAN else precision
    return amount, unit, precision


def number(value: Decimal, style: Style, *, min_decimals: int = 0) -> str:
    """A number with grouping, every decimal it has and at least `min_decimals`: quantities, prices, amounts."""
    pattern = "#,##0" + ("." + "0" * min_decimals if min_decimals else "")
    text = format_decimal(
        value, format=pattern, locale=style.babel, decimal_quantization=False, numbering_system="default"
    )
    return style.native(text)


def amount(value: Decimal, currency: str, style: Style) -> str:
    """An amount without its currency (for table cells): exact, at least at the currency's precision."""
    value, _unit, _precision = shown(value, currency, style)
    return number(value, style, min_decimals=get_currency_precision(currency))


def money(value: Decimal, currency: str, style: Style) -> str:
    """An amount with its currency, as the language writes it: `۱٬۲۳۴ ریال`, `₺1.234,56`, `€1,234.56`."""
    shown_value, unit, _precision = shown(value, currency, style)
    if style.language == "fa" or unit == "IRR-toman":  # the unit's name after the number; CLDR has no toman
        return f"{amount(value, currency, style)}\u00a0{unit_name(unit, style)}"
    return style.native(
        format_currency(
            shown_value, currency, locale=style.babel, decimal_quantization=False, numbering_system="default"
        )
    )


def percent(rate: Decimal, style: Style) -> str:
    """A percentage given in percent (20 → `20%`, `%20` in Turkish, `۲۰٪` in Persian), every decimal kept."""
    text = format_percent(rate / 100, locale=style.babel, decimal_quantization=False, numbering_system="default")
    return style.native(text)


def day(value: date | None, style: Style) -> str:
    """A date: Jalali with Persian digits for fa (۱۴۰۵/۰۹/۱۵), `15.12.2026` for tr, `Dec 15, 2026` for en."""
    if value is None:
        return ""
    if style.language == "fa":
        return style.native(jdatetime.date.fromgregorian(date=value).strftime("%Y/%m/%d"))
    return format_date(value, "dd.MM.yyyy" if style.language == "tr" else "medium", locale=style.babel)


#: Names of currency units in words, per language: (major, minor). The minor unit of a currency that
#: is not listed is written as a fraction (`and 56/100`).
UNITS = {
    "IRR": {"fa": ("ریال", None), "tr": ("İran riyali", None), "en": ("Iranian rials", None)},
    "IRR-toman": {"fa": ("تومان", "ریال"), "tr": ("tümen", "riyal"), "en": ("tomans", "rials")},
    "TRY": {"fa": ("لیر", "کوروش"), "tr": ("Türk lirası", "kuruş"), "en": ("Turkish lira", "kuruş")},
    "EUR": {"fa": ("یورو", "سنت"), "tr": ("avro", "sent"), "en": ("euros", "cents")},
    "USD": {"fa": ("دلار", "سنت"), "tr": ("ABD doları", "sent"), "en": ("US dollars", "cents")},
}


def unit_name(unit: str, style: Style) -> str:
    """The major unit of a currency in words (IRR-toman: tomans); a currency not listed by its code."""
    return UNITS.get(unit, {}).get(style.language, (unit.split("-")[0], None))[0]


_AND = {"fa": " و ", "tr": " ", "en": " and "}


def in_words(value: Decimal, currency: str, style: Style) -> str:
    """The amount in words (num2words), exact: whole units, then the minor units or the fraction left."""
    shown_value, unit, precision = shown(value, currency, style)
    sign = "-" if shown_value < 0 else ""
    shown_value = abs(shown_value)
    whole = int(shown_value)
    rest = shown_value - whole
    major, minor = UNITS.get(unit, {}).get(style.language, (unit.split("-")[0], None))
    text = f"{sign}{num2words(whole, lang=style.language)} {major}"
    if rest:
        minor_units = rest * 10**precision
        if minor and minor_units == minor_units.to_integral_value():
            text += f"{_AND[style.language]}{num2words(int(minor_units), lang=style.language)} {minor}"
        else:  # no name for the minor unit, or more decimals than it has: the exact fraction
            digits = max(precision, -rest.normalize().as_tuple().exponent)
            text += f"{_AND[style.language]}{style.native(f'{int(rest * 10**digits)}/{10**digits}')}"
    return text
