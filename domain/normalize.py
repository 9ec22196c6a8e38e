"""Keys under which duplicates are looked for: normalised email, phone and company name."""
from __future__ import annotations

import re
import unicodedata

_LEGAL_FORMS = {
    "inc", "incorporated", "llc", "ltd", "limited", "gmbh", "ag", "sa", "sas", "sarl", "srl",
    "bv", "nv", "plc", "corp", "corporation", "co", "company", "as", "ab", "oy", "spa", "kg",
    "aş", "ltd şti", "şti", "pjs", "sl", "pty", "the",
}


def email_key(email: str | None) -> str | None:
    """Lower-cased, trimmed; None when there is no usable address."""
    if not email:
        return None
    key = email.strip().lower()[:254]
    return key if "@" in key else None


def phone_key(phone: str | None) -> str | None:
    """Digits only, a leading 00 read as +, and at most the last 10 digits compared."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone.strip().replace("+", "00", 1) if phone.strip().startswith("+") else phone)
    if digits.startswith("00"):
        digits = digits[2:]
    digits = digits.lstrip("0")
    if len(digits) < 6:
        return None
    return digits[-10:]


def company_key(name: str | None) -> str:
    """Accents, case, punctuation and legal forms (Inc, GmbH, Ltd …) stripped."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode() or name
    words = re.findall(r"\w+", text.lower())
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)[:200]  # normalising can lengthen text (ﬁ → fi); keys fit their column
