"""The payments cursor: which invoices' statements salesflow has seen as they are now, in 8 kB.

A ledger has no "entered at" time and no ids: an accountant may type today a payment dated last
month, edit or delete last year's, or move it to another file. So the cursor does not remember a
position but a fingerprint of what was handed out. Every invoice falls in one of 1,024 buckets
(by a hash of its number); a bucket's digest is the sum of its invoices' fingerprints (a hash of
the number and of the ids of its payments, each id naming date, amount and currency). A read hands
out the statements of every bucket whose digest differs from the cursor's - an invoice whose
payments were added, edited, deleted or reversed changes its bucket - and the new digests.

- Nothing changed: nothing is handed out; a pass costs one sum over the cached ledger.
- A bucket that had payments and changed hands out every invoice in it, also those with no
  payments left (a deletion); salesflow reconciles each, and one already in step costs a look-up.
- Size: 1,024 digests of 8 bytes, zlib-compressed (empty buckets cost nothing), independent of
  how many invoices and payments the ledger holds. Two different states of a bucket share a
  digest with probability 2^-64.

Format: `v2.` + base64url(zlib(1,024 big-endian 8-byte digests)). An older or damaged cursor
starts over: every statement is handed out again, and reconciling one twice changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from ...domain.accounting import ExternalPayment, InvoicePayments

VERSION = "v2."
BUCKETS = 1024
MOD = 1 << 64


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def bucket_of(number: str) -> int:
    return _hash(number) % BUCKETS


def fingerprint(number: str, payments: tuple[ExternalPayment, ...]) -> int:
    """0 for an invoice with no payments, so an unpaid invoice never marks its bucket."""
    if not payments:
        return 0
    return _hash("\n".join([number, *sorted(p.external_id for p in payments)]))


@dataclass(frozen=True)
class Index:
    """A loaded ledger's statements by bucket, with each bucket's digest (built once per full check)."""

    statements: Mapping[str, tuple[ExternalPayment, ...]]
    members: tuple[tuple[str, ...], ...]
    digests: tuple[int, ...]

    @classmethod
    def of(cls, statements: Mapping[str, tuple[ExternalPayment, ...]]) -> Index:
        members: list[list[str]] = [[] for _ in range(BUCKETS)]
        digests = [0] * BUCKETS
        for number, payments in statements.items():
            b = bucket_of(number)
            members[b].append(number)
            digests[b] = (digests[b] + fingerprint(number, payments)) % MOD
        return cls(statements, tuple(tuple(sorted(m)) for m in members), tuple(digests))


def encode(digests: tuple[int, ...] | list[int]) -> str:
    raw = b"".join(d.to_bytes(8, "big") for d in digests)
    return VERSION + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode(cursor: str) -> tuple[int, ...]:
    """Raises ValueError for anything that is not a cursor this module wrote."""
    if not cursor.startswith(VERSION):
        raise ValueError("not a current beancount payments cursor")
    body = cursor[len(VERSION) :]
    try:
        raw = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, zlib.error, ValueError) as err:
        raise ValueError(f"damaged beancount payments cursor: {err}") from err
    if len(raw) != 8 * BUCKETS:
        raise ValueError("damaged beancount payments cursor")
    return tuple(int.from_bytes(raw[i : i + 8], "big") for i in range(0, len(raw), 8))


def next_page(index: Index, seen: tuple[int, ...] | None, *, limit: int) -> tuple[list[InvoicePayments], list[int]]:
    """The statements of changed buckets, whole buckets until about `limit` statements, and the
    digests once they are taken (the buckets left for the next page keep their old digest)."""
    digests = list(seen) if seen is not None else [0] * BUCKETS
    page: list[InvoicePayments] = []
    for b in range(BUCKETS):
        if digests[b] == index.digests[b]:
            continue
        if len(page) >= limit:
            break
        had = digests[b] != 0
        page.extend(
            InvoicePayments(number, index.statements[number])
            for number in index.members[b]
            if had or index.statements[number]
        )
        digests[b] = index.digests[b]
    return page, digests
