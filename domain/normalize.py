"""Keys under which records are compared and searched: folded text, company names, e-mail and phone.

Names reach us in Persian, Arabic, Turkish, German and English, typed on whatever keyboard was at
hand, so one name arrives in several spellings. `fold` reduces text to one spelling per name:

- compatibility forms are decomposed (Arabic presentation forms, ligatures, full-width letters) and
  marks dropped: accents (ş → s, ü → u), Arabic harakat, and the hamza or madda over a letter
  (أ إ آ → ا, ؤ → و, ئ → ی);
- the Arabic and Persian codes of one letter become one (ي ى → ی, ك → ک, ة ۀ → ه), and the joiners,
  direction marks and tatweel that change how a word looks but not what it says are removed (the
  ZWNJ of می‌شود, so it matches میشود);
- digits of every script become ASCII (۰۹۱۲ and ٠٩١٢ → 0912);
- case is folded the same way for every language: I, İ, ı and i all become i. A Turkish-locale fold
  (I → ı) would need to know each text's language and would break English and German names
  ("IBM" → ıbm); a plain fold would leave "Yılmaz" ≠ "YILMAZ" and "İstanbul" ≠ "istanbul". Folding
  both dotted and dotless i to i makes every one of these match; the cost is that Turkish words
  differing only in the dot (kır/kir) fold alike, which for finding a record is what a user who
  typed it on a keyboard without ı expects anyway.

Phone numbers are parsed with Google's libphonenumber (`phonenumbers`) into E.164, reading numbers
written locally (0912 345 6789, 0532 123 45 67) in the configured regions, first one first.

A search looks for its terms in a record's search key (`search_key`, `search_terms`), both made by
`search_form`, which goes further than `fold` in three ways, so that a search agrees with duplicate
detection:

- a space between two letters of the Arabic script is dropped, on both sides. Persian writes a
  compound with a half-space, a space or nothing (پارس‌تک, پارس تک, پارستک) and keyboards without a
  ZWNJ key make the space common, so in Persian and Arabic text a space says nothing a search could
  rely on. Latin, Turkish and German text keeps its spaces: there they separate words;
- spaces, dashes and brackets between two digits are dropped, on both sides: a number is one run of
  digits however it was grouped (0912 345-6789, (912) 345). The price is that "lead 154" also finds
  "Lead 15 48";
- a phone number is also kept in E.164 (+989123456789) and in its national digits (09123456789),
  as libphonenumber writes them. A query that reads as a number is its digits, after its + if it
  has one (0912 345 → 0912345, +98 912 345 → +98912345), so it finds a number however either side
  grouped it, and a document number all the same (00123 finds Q/2026/00123). A query dialled with a
  configured region's international prefix (0098 912 345 from Iran or Turkey, 011 98 … from the US:
  libphonenumber knows each region's) is also looked for as + and the number (+98912345): two
  terms for this one shape of query, one for any other. Keeping every number as dialled from each
  region instead would make one term do, but lengthens every key by a number, which every search
  reads through.

Each form is one line of the key, and a term holds no line break (domain/text.py refuses control
characters in a search), so a search never matches across two texts or two forms of one text.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import phonenumbers

#: The addon's table of legal forms (Inc, GmbH, A.Ş., سهامی خاص …), stripped from company names.
LEGAL_FORMS_FILE = Path(__file__).resolve().parent.parent / "data" / "legal_forms.csv"

#: One code for each letter after decomposition (the hamza and madda are marks, already dropped).
_LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # ARABIC LETTER YEH → FARSI YEH
        "\u0649": "\u06cc",  # ALEF MAKSURA → FARSI YEH
        "\u0643": "\u06a9",  # ARABIC LETTER KAF → KEHEH (the Persian kaf)
        "\u0629": "\u0647",  # TEH MARBUTA → HEH
        "\u06d5": "\u0647",  # AE (what ۀ decomposes to) → HEH
        "\u06be": "\u0647",  # HEH DOACHASHMEE → HEH
        "\u0671": "\u0627",  # ALEF WASLA → ALEF
        "\u0640": None,  # TATWEEL: stretches a word, says nothing
        "\u0131": "i",  # DOTLESS I → i (see the module docstring)
    }
)
#: Unicode categories dropped by `fold`: combining marks and format characters (ZWNJ, ZWJ, LRM, RLM …).
_DROPPED = frozenset({"Mn", "Me", "Cf"})
_DIGIT = re.compile(r"\d")

#: Regions whose local numbers we read, the default first: the seed markets, Iran and Turkey.
DEFAULT_PHONE_REGIONS: tuple[str, ...] = ("IR", "TR")
_phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS
_MIN_PHONE_DIGITS = 6

#: The letters of the Arabic script (Persian, Arabic, Urdu …) that folded text can hold; a space
#: between two of them is dropped from searched text (see the module docstring).
_ARABIC_LETTERS = "".join(
    chr(code)
    for first, last in ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF))
    for code in range(first, last + 1)
    if unicodedata.category(chr(code)).startswith("L")
)
_SPACE_IN_A_COMPOUND = re.compile(f"(?<=[{_ARABIC_LETTERS}]) (?=[{_ARABIC_LETTERS}])")
#: Separators inside a number, dropped from searched text (see the module docstring).
_SEPARATOR_IN_A_NUMBER = re.compile(r"(?<=\d)[\s()\-]+(?=\d)")
#: Folded text that reads as a phone number: digits, spaces, dashes, brackets and a leading +.
_READS_AS_A_NUMBER = re.compile(r"[(\s]*\+?[\d\s()\-]+")
#: The most characters of one form in a search key. Every searched text is at most 254 characters
#: (domain/text.py), but folding can lengthen one up to 18 times (ﷺ); a form is cut at twice the
#: longest, which no real name reaches, so a key holds at most (forms × 513) characters.
SEARCH_FORM_LIMIT = 512


def fold(text: str | None) -> str:
    """One spelling per name: marks, joiners and case folded, letters unified, digits ASCII."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in _DROPPED)
    folded = _DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), kept.casefold().translate(_LETTERS))
    return " ".join(folded.split())


def words(text: str | None) -> list[str]:
    """The folded words of a text, punctuation dropped (A.Ş. → a, s)."""
    return re.findall(r"\w+", fold(text))


def search_form(text: str | None) -> str:
    """A text as searched: folded, with no space between two Arabic-script letters (پارس تک → پارستک)
    nor separator between two digits (0912 345-6789 → 09123456789)."""
    return _SEPARATOR_IN_A_NUMBER.sub("", _SPACE_IN_A_COMPOUND.sub("", fold(text)))


def _dialled(folded: str) -> str | None:
    """A folded text that reads as a phone number, as dialled: its digits, after its + if it has one
    (0912 345 → 0912345, 0098 912 → 0098912, +98 912 → +98912); None for any other text."""
    digits = phonenumbers.normalize_digits_only(folded)
    if not digits or not _READS_AS_A_NUMBER.fullmatch(folded):
        return None
    return "+" + digits if folded.lstrip("( ").startswith("+") else digits


def _dialled_abroad(folded: str) -> str | None:
    """A number dialled with a configured region's international prefix (0098 912 … from Iran or
    Turkey, 011 98 912 … from the US), as + and its digits after the prefix; None for any other text."""
    for region in _phone_regions:
        number = _parse(folded, region, keep_raw_input=True)  # the raw input is what says how it was dialled
        if number is not None and number.country_code_source == phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD:
            return f"+{number.country_code}{phonenumbers.national_significant_number(number)}"
    return None


def phone_forms(phone: str | None) -> tuple[str, ...]:
    """The forms a search finds a phone number by, besides as written: E.164 (+989123456789) and its
    national digits (09123456789)."""
    key = phone_key(phone)
    if key is None:
        return ()
    number = _parse(key, None) if key.startswith("+") else None
    if number is None:
        return (key,)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return key, phonenumbers.normalize_digits_only(national)


def search_key(texts, phones=()) -> str:
    """The text a record is searched in: each text's search form and each phone's forms, one per line,
    each at most SEARCH_FORM_LIMIT characters; a form another one contains is left out (it matches
    nothing the other does not)."""
    forms = [search_form(text)[:SEARCH_FORM_LIMIT] for text in texts]
    for phone in phones:
        forms.append(search_form(phone)[:SEARCH_FORM_LIMIT])
        forms.extend(phone_forms(phone))
    forms = list(dict.fromkeys(form for form in forms if form))
    return "\n".join(form for form in forms if not any(form != other and form in other for other in forms))


def search_terms(query: str | None) -> tuple[str, ...]:
    """What a search looks for: a number as dialled when it reads as one, else its search form, and
    for a number dialled with an international prefix also + and the number (0098 912 → 0098912 and
    +98912); a record matches when its search key contains one of them."""
    folded = fold(query)
    dialled = _dialled(folded)
    if dialled is None:
        return (search_form(query),)
    abroad = _dialled_abroad(folded)
    return (dialled, abroad) if abroad else (dialled,)


@lru_cache(maxsize=1)
def legal_forms() -> tuple[frozenset[tuple[str, ...]], int]:
    """The legal forms as folded word sequences (each also with its words run together: A.Ş. and AŞ),
    and the longest one's length."""
    forms: set[tuple[str, ...]] = set()
    with LEGAL_FORMS_FILE.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            form = tuple(words(row["form"]))
            if form:
                forms.add(form)
                forms.add(("".join(form),))
    return frozenset(forms), max(map(len, forms))


def _strip_legal_forms(found: list[str]) -> list[str]:
    """Peel legal forms off both ends of a name (شرکت … سهامی خاص, … Ltd. Şti.), longest first;
    a name that is nothing but legal forms keeps its last word."""
    forms, longest = legal_forms()
    peeled = True
    while peeled:
        peeled = False
        for n in range(min(longest, len(found) - 1), 0, -1):
            if tuple(found[-n:]) in forms:
                found, peeled = found[:-n], True
                break
            if tuple(found[:n]) in forms:
                found, peeled = found[n:], True
                break
    return found


def company_key(name: str | None) -> str:
    """A company name folded, legal forms stripped and the words run together, so spacing and
    half-spaces do not matter (پارس‌تک, پارس تک and پارستک are one key)."""
    found = words(name)
    if not found:
        return ""
    return "".join(_strip_legal_forms(found))[:200]  # folding can lengthen text (ﷺ); keys fit their column


def email_key(email: str | None) -> str | None:
    """Lower-cased, trimmed; None when there is no usable address."""
    if not email:
        return None
    key = email.strip().lower()[:254]
    return key if "@" in key else None


def use_phone_regions(regions) -> tuple[str, ...]:
    """Set the regions (ISO 3166 codes, default first) whose local numbers phone_key reads."""
    global _phone_regions
    chosen = tuple(str(r).strip().upper() for r in regions if str(r).strip())
    unknown = [r for r in chosen if r not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ValueError(f"unknown phone regions: {', '.join(unknown)}")
    _phone_regions = chosen
    return chosen


def phone_regions() -> tuple[str, ...]:
    """The regions phone_key reads local numbers in, the default first."""
    return _phone_regions


def _parse(text: str, region: str | None, keep_raw_input: bool = False) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region, keep_raw_input=keep_raw_input)
    except phonenumbers.NumberParseException:
        return None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_key(phone: str | None) -> str | None:
    """A phone number in E.164 (+989123456789), or None when it has too few digits to compare.

    A number valid in one of the configured regions (tried in order) is that number; one written
    internationally (+ or 00) but unknown to libphonenumber keeps its country code; a local number
    valid in none of them falls back to its digits without trunk zeros, compared as written.
    """
    text = fold(phone)
    digits = re.sub(r"\D", "", text)
    if len(digits) < _MIN_PHONE_DIGITS:
        return None
    international = text.startswith("+") or digits.startswith("00")
    candidates = [_parse(text, region) for region in _phone_regions or (None,)]
    if international:
        candidates.append(_parse("+" + digits[2:] if digits.startswith("00") else text, None))
    for number in candidates:
        if number is not None and phonenumbers.is_valid_number(number):
            return _e164(number)
    if international:
        number = next((n for n in reversed(candidates) if n is not None), None)
        if number is not None:
            return _e164(number)
    return digits.lstrip("0")[-15:] or None
