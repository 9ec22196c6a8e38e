"""How salesflow names things in a beancount ledger: links, files and per-rate accounts.

Every mapping here is deterministic and injective, so the same invoice number always lands on
the same link and the same file (which is what makes pushing idempotent), and two numbers
never share one.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import PurePosixPath

LINK_PREFIX = "invoice-"
#: Characters beancount's lexer accepts in a link (`\^[A-Za-z0-9\-_/.]+`), less our escape `_`.
_LINK_KEEP = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/.")
#: Characters kept as they are in a file name; `.` is escaped too, so no segment is `..` or hidden.
_PATH_KEEP = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
SUFFIX = ".beancount"
MAX_SEGMENT = 200  # well inside the usual 255-byte limit on a file name


def _escape(text: str, keep: frozenset[str], mark: str) -> str:
    """Each character not in `keep` becomes `mark` + two hex digits per UTF-8 byte."""
    return "".join(ch if ch in keep else "".join(f"{mark}{b:02X}" for b in ch.encode()) for ch in text)


def invoice_link(number: str) -> str:
    """The link an invoice and its payments share: `invoice-INV/2026/00001`.

    Invoice numbers as salesflow makes them (`INV/2026/00001`) need no change; any other
    character (space, `_`, `#`, non-ASCII …) becomes `_` + hex of its UTF-8 bytes, e.g.
    `A B_1` -> `invoice-A_20B_5F1`, so the link always lexes and maps back to one number.
    """
    return LINK_PREFIX + _escape(number, _LINK_KEEP, "_")


def number_of_link(link: str) -> str | None:
    """The invoice number a link names (the inverse of invoice_link); None if it names none."""
    if not link.startswith(LINK_PREFIX) or len(link) == len(LINK_PREFIX):
        return None
    text, raw, i = link[len(LINK_PREFIX) :], bytearray(), 0
    while i < len(text):
        if text[i] == "_":
            try:
                raw.append(int(text[i + 1 : i + 3], 16))
            except ValueError:
                return None  # typed by hand and not one of ours; we cannot say which invoice
            i += 3
        else:
            raw.extend(text[i].encode())
            i += 1
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return None


def _segment(part: str) -> str:
    if not part:
        return "%"  # an empty segment; a literal `%` is always written `%25`, so this is unambiguous
    return _escape(part, _PATH_KEEP, "%")


def invoice_file(number: str) -> PurePosixPath:
    """Where an invoice's transaction lives, relative to the invoices folder: each `/`-separated
    part of the number is a folder, so `INV/2026/00001` -> `INV/2026/00001.beancount` (a series
    and a year per folder). Raises ValueError for a number that cannot be a file name."""
    parts = [_segment(p) for p in number.split("/")]
    if any(len(p) > MAX_SEGMENT for p in parts):
        raise ValueError(f"invoice number {number!r} is too long for a file name")
    parts[-1] += SUFFIX
    return PurePosixPath(*parts)


def rate_label(rate: Decimal) -> str:
    """A tax rate as text: 21, 5.5, 0 (trailing zeros dropped)."""
    text = format(rate.normalize(), "f")
    return text if text != "-0" else "0"


def rate_account(parent: str, rate: Decimal) -> str:
    """The per-rate sub-account: `Income:Sales` at 21% -> `Income:Sales:Rate21`, at 5.5% ->
    `Income:Sales:Rate5-5` (an account name may not contain a dot)."""
    return f"{parent}:Rate{rate_label(rate).replace('.', '-')}"
