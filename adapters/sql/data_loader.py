"""Load the addon's data files the way Odoo installs a module's data.

Each row's `id` column is an external id, remembered in `external_ids`: a row whose id is known is
left alone (Odoo's noupdate), so loading twice changes nothing and a user's edits to a stage, or an
admin's to the company profile, survive an upgrade.
"""

from __future__ import annotations

import ast
import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from ...domain.company import COMPANY_ID
from ...domain.images import check_image
from ...domain.numbering import Calendar, calendar_named
from . import tables as t

MODULE = "salesflow"
ROOT = Path(__file__).resolve().parents[2]


def manifest() -> dict:
    return ast.literal_eval((ROOT / "__manifest__.py").read_text(encoding="utf-8"))


def _stage(row: dict, now: datetime) -> dict:
    return dict(
        name=row["name"],
        sequence=int(row["sequence"]),
        probability=Decimal(row["probability"]),
        active=True,
        created_at=now,
        updated_at=now,
    )


def _series(row: dict, now: datetime) -> dict:
    calendar = calendar_named(row.get("calendar") or Calendar.GREGORIAN, ("number_series.csv", row["id"], "calendar"))
    return dict(code=row["id"], name=row["name"], prefix=row["prefix"], padding=int(row["padding"]), calendar=calendar)


def _company(row: dict, now: datetime) -> dict:
    """The company profile: empty cells are unset; `logo` names an image file beside the manifest."""
    values = {k: (v.strip() or None) for k, v in row.items() if k not in ("id", "logo")}
    logo = (row.get("logo") or "").strip()
    content = (ROOT / logo).read_bytes() if logo else None
    return dict(
        values,
        id=COMPANY_ID,
        logo=content,
        logo_content_type=check_image(content, "logo") if content is not None else None,
        version=1,
        created_at=now,
        updated_at=now,
    )


#: data file name -> (model, table, row builder). Files not listed here (security/) are read at run time.
LOADERS = {
    "stages.csv": ("stage", t.stages, _stage),
    "number_series.csv": ("number_series", t.number_series, _series),
    "company.csv": ("company", t.company, _company),
}


def load_file(conn: Connection, path: Path, now: datetime) -> int:
    """Insert the rows of one data file whose external ids are new; returns how many."""
    model, table, build = LOADERS[path.name]
    known = set(conn.scalars(select(t.external_ids.c.name).where(t.external_ids.c.model == model)))
    created = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["id"] in known:
                continue
            result = conn.execute(insert(table).values(**build(row, now)))
            res_id = result.inserted_primary_key[0] if "id" in table.c else 0
            conn.execute(insert(t.external_ids).values(module=MODULE, name=row["id"], model=model, res_id=res_id))
            created += 1
    return created


def load_data(engine: Engine) -> dict[str, int]:
    """Load every data file the manifest lists, in order, in one transaction."""
    now = datetime.now(UTC)
    loaded = {}
    with engine.begin() as conn:
        for name in manifest()["data"]:
            path = ROOT / name
            if path.name in LOADERS:
                loaded[name] = load_file(conn, path, now)
    return loaded
