"""Keep the `messages` catalogs in step with the code: `python -m salesflow.i18n.extract`.

Babel's extractor reads every template the code marks (i18n/babel.cfg says where, KEYWORDS which
calls) and merges them into i18n/locales/<fa|tr>/LC_MESSAGES/messages.po: new texts come in empty,
changed ones fuzzy, vanished ones obsolete. Then translate what is empty or fuzzy (any PO editor)
and run `python -m pytest tests/unit/test_catalogs.py`, which fails on a text left untranslated.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from . import DEFAULT, LOCALES_DIR, MESSAGES, SUPPORTED

ROOT = Path(__file__).resolve().parent.parent  # the addon: the package's root
CONFIG = Path(__file__).parent / "babel.cfg"

#: The calls whose argument is a message template (its position, 1-based), as `pybabel extract -k`
#: takes them: `Message("…")`, `DomainError(code, "…")`, `invalid("…")`; a guard's reason is a `Message` (Babel counts a lambda's commas as arguments).
KEYWORDS = {"Message": None, "DomainError": (2,), "invalid": None, "_invalid": (2,)}


def stage_names(fileobj, keywords, comment_tags, options):
    """Babel extraction method for data/stages.csv: each default stage's name (see i18n.stage_name)."""
    reader = csv.DictReader(io.TextIOWrapper(fileobj, encoding="utf-8", newline=""))
    for row in reader:
        yield reader.line_num, None, row["name"], [f"the name of the default stage {row['id']}"]


def extracted() -> Catalog:
    """Every message template in the code, with where it is used."""
    with CONFIG.open() as fp:
        method_map, options_map = parse_mapping_cfg(fp)
    catalog = Catalog(domain=MESSAGES, project="salesflow", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{MESSAGES}.po"


def update(template: Catalog, language: str) -> Catalog:
    """The language's catalog merged with the template (a new one if it has none yet), written back."""
    path = catalog_path(language)
    if path.exists():
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=language, domain=MESSAGES)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = Catalog(locale=language, domain=MESSAGES, project="salesflow")
    catalog.update(template, update_header_comment=False)
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100, omit_header=False, ignore_obsolete=False, include_previous=True)
    return catalog


def main() -> int:
    template = extracted()
    for language in SUPPORTED:
        if language == DEFAULT:
            continue
        catalog = update(template, language)
        missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        print(f"{catalog_path(language).relative_to(ROOT)}: {len(template)} texts, {len(missing)} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
