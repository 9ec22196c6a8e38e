"""The `messages` catalogs: every text the code can show has its Persian and Turkish translation."""

from __future__ import annotations

import ast
import string

import pytest
from babel.messages.pofile import read_po

from salesflow.i18n import DEFAULT, SUPPORTED, translations
from salesflow.i18n.extract import KEYWORDS, ROOT, catalog_path, extracted
from salesflow.i18n.extract import MESSAGES as DOMAIN

TRANSLATED = [language for language in SUPPORTED if language != DEFAULT]


def _fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


@pytest.fixture(scope="module")
def template():
    return extracted()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_in_the_code_has_a_translation(template, language):
    with catalog_path(language).open("rb") as fp:
        catalog = read_po(fp, locale=language, domain=DOMAIN)
    missing = [
        m.id for m in template if m.id and (m.id not in catalog or not catalog[m.id].string or catalog[m.id].fuzzy)
    ]
    assert missing == [], f"untranslated in {catalog_path(language)} (run python -m salesflow.i18n.extract)"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_keeps_the_named_parameters_of_its_message(template, language):
    catalog = translations(DOMAIN, language)
    wrong = [m.id for m in template if m.id and _fields(catalog.gettext(m.id)) != _fields(m.id)]
    assert wrong == []


def test_persian_is_written_with_persian_letters():
    """ی and ک, never the Arabic ي and ك that a keyboard layout can slip in."""
    text = catalog_path("fa").read_text(encoding="utf-8")
    assert "ي" not in text and "ك" not in text
    assert "پیش‌فاکتور" in text  # the quote, with its zero-width non-joiner


def _message_arguments(call: ast.Call):
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
    if name not in KEYWORDS:
        return []
    position = (KEYWORDS[name] or (1,))[0] - 1
    return call.args[position : position + 1]


def test_no_message_is_built_with_an_f_string():
    """An f-string template cannot be extracted, so it would never be translated."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in {".venv", "tests", "benchmarks", "tools", "build"} or "node_modules" in rel.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                found += [f"{rel}:{node.lineno}" for arg in _message_arguments(node) if isinstance(arg, ast.JoinedStr)]
    assert found == []
