"""Recomputing the keys a store keeps beside the texts they are derived from.

Duplicate keys (email_key, phone_key, company_key, name_key: domain `Record.keys`) and search keys
(mapping.SEARCHED) are written with their row. When the rules that derive them change (a new
normalisation, another phone region), rows written before keep the old keys until they are
recomputed: a migration does that once for every release that changes them (0011, 0012), and
`salesflow reindex` whenever an operator changes SALESFLOW_PHONE_REGIONS (phone numbers are in
both kinds of key). Only keys are written; versions and timestamps stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, column, select, table, update
from sqlalchemy.engine import Connection

from .mapping import MAPPINGS, PHONES, SEARCH_KEY, search_key_of

BATCH = 500


def rekey_table(
    connection: Connection,
    name: str,
    sources: tuple[str, ...],
    keys: tuple[str, ...],
    derive: Callable[[dict], dict],
    batch: int = BATCH,
) -> int:
    """Recompute `keys` of every row of table `name` from its `sources` with `derive(row) -> {key: value}`,
    in batches by id, writing only the rows whose keys change; how many did."""
    tbl = table(name, column("id"), *(column(c) for c in dict.fromkeys(sources + keys)))
    read = select(tbl).where(tbl.c.id > bindparam("last")).order_by(tbl.c.id).limit(batch)
    write = update(tbl).where(tbl.c.id == bindparam("_id")).values({k: bindparam(k) for k in keys})
    changed, last = 0, 0
    while True:
        rows = [row._asdict() for row in connection.execute(read, {"last": last})]
        if not rows:
            return changed
        updates = []
        for row in rows:
            fresh = derive(row)
            if any(fresh[k] != row[k] for k in keys):
                updates.append({**fresh, "_id": row["id"]})
        if updates:
            connection.execute(write, updates)
            changed += len(updates)
        last = rows[-1]["id"]


def plan(
    derivations: dict[str, tuple[Callable, str]], searched: tuple[str, ...], phones=PHONES
) -> tuple[tuple[str, ...], tuple[str, ...], Callable[[dict], dict]]:
    """(sources, keys, derive) for rekey_table: the duplicate keys {key: (derivation, source)}, and
    the search key folded from the `searched` columns when there are any (`phones` among them hold
    phone numbers)."""

    def derive(row: dict) -> dict:
        out = {key: how(row[source]) for key, (how, source) in derivations.items()}
        if searched:
            out[SEARCH_KEY] = search_key_of(searched, row.__getitem__, phones)
        return out

    sources = tuple(dict.fromkeys([*(source for _how, source in derivations.values()), *searched]))
    return sources, (*derivations, *((SEARCH_KEY,) if searched else ())), derive


def reindex(connection: Connection, batch: int = BATCH) -> dict[str, int]:
    """Recompute every duplicate and search key of every table that has any: {table: rows changed}."""
    done = {}
    for mapping in MAPPINGS.values():
        if getattr(mapping.cls, "keys", None) or mapping.searched:
            sources, keys, derive = plan(getattr(mapping.cls, "keys", {}), mapping.searched)
            done[mapping.table.name] = rekey_table(connection, mapping.table.name, sources, keys, derive, batch)
    return done
