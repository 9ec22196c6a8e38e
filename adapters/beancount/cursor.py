"""The payments cursor: which payments salesflow has already been handed, in a few bytes each.

A ledger has no "entered at" time: an accountant may type today a payment dated last month, so
"everything after date D" would miss it. The cursor therefore remembers the payments handed
out, by a 64-bit hash of their external id:

- payments dated on or after a *horizon* (today minus `window` days, 92 by default: a quarter
  of backdating) are kept exactly, as a sorted, delta-coded, zlib-compressed set of hashes;
- payments dated before the horizon are summarised by their count and the sum of their hashes.
  If that summary no longer matches the ledger (a payment was backdated past the horizon, or an
  old one deleted), everything before the horizon is handed out again: salesflow applies each
  external id once, so a repeat costs a look-up, never a double payment. A cursor may make
  salesflow look at a payment twice; it never makes it miss one.

Size: about 8 bytes per payment dated inside the window (11 characters once in base64), plus
a ~20-byte header - 10 payments a day make a ~10 kB cursor, 100 a day ~100 kB - independent of
how many older payments the ledger holds. A hash collision could hide a new payment with
probability (payments in the window) / 2^64, i.e. never in practice.

Format: `v1.` + base64url(zlib(varint horizon-ordinal, varint count, 8-byte digest,
varint n, n varint deltas of the sorted hashes)).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import date

from ...domain.accounting import ExternalPayment

VERSION = "v1."
MOD = 1 << 64


@dataclass(frozen=True)
class Seen:
    """What was handed out: before `horizon` by (count, digest), on or after it exactly."""

    horizon: date | None = None
    count: int = 0
    digest: int = 0
    hashes: frozenset[int] = field(default_factory=frozenset)


def ident_hash(external_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(external_id.encode(), digest_size=8).digest(), "big")


def _varint(n: int, out: bytearray) -> None:
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return n, pos


def encode(seen: Seen) -> str:
    out = bytearray()
    _varint(seen.horizon.toordinal() if seen.horizon else 0, out)
    _varint(seen.count, out)
    out += seen.digest.to_bytes(8, "big")
    hashes = sorted(seen.hashes)
    _varint(len(hashes), out)
    previous = 0
    for h in hashes:
        _varint(h - previous, out)
        previous = h
    return VERSION + base64.urlsafe_b64encode(zlib.compress(bytes(out), 9)).decode().rstrip("=")


def decode(cursor: str) -> Seen:
    """Raises ValueError for anything that is not a cursor this module wrote."""
    if not cursor.startswith(VERSION):
        raise ValueError("not a beancount payments cursor")
    body = cursor[len(VERSION):]
    try:
        buf = zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        ordinal, pos = _read_varint(buf, 0)
        count, pos = _read_varint(buf, pos)
        digest, pos = int.from_bytes(buf[pos:pos + 8], "big"), pos + 8
        n, pos = _read_varint(buf, pos)
        hashes, h = set(), 0
        for _ in range(n):
            delta, pos = _read_varint(buf, pos)
            h += delta
            hashes.add(h)
    except (binascii.Error, zlib.error, IndexError) as err:
        raise ValueError(f"damaged beancount payments cursor: {err}") from err
    if pos != len(buf) or h >= MOD:
        raise ValueError("damaged beancount payments cursor")
    return Seen(date.fromordinal(ordinal) if ordinal else None, count, digest, frozenset(hashes))


def next_page(payments: list[ExternalPayment], seen: Seen, *, horizon: date,
              limit: int) -> tuple[list[ExternalPayment], Seen]:
    """The first `limit` payments not yet handed out (payments in date order), and what has been
    handed out once they are, folded up to `horizon` (or the first payment still waiting)."""
    hashes = [ident_hash(p.external_id) for p in payments]
    if seen.horizon is not None:
        before = [h for p, h in zip(payments, hashes) if p.paid_at < seen.horizon]
        if len(before) != seen.count or sum(before) % MOD != seen.digest:
            seen = Seen(hashes=seen.hashes)  # something changed before the horizon: hand it all out again
    handed = [h in seen.hashes or (seen.horizon is not None and p.paid_at < seen.horizon)
              for p, h in zip(payments, hashes)]
    waiting = [i for i, done in enumerate(handed) if not done]
    page = waiting[:limit]
    for i in page:
        handed[i] = True
    if len(waiting) > limit:  # fold no further than the first payment still waiting
        horizon = min(horizon, payments[waiting[limit]].paid_at)
    before = [h for p, h in zip(payments, hashes) if p.paid_at < horizon]
    kept = frozenset(h for p, h, done in zip(payments, hashes, handed) if done and p.paid_at >= horizon)
    return [payments[i] for i in page], Seen(horizon, len(before), sum(before) % MOD, kept)
