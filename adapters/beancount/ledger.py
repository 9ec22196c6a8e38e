"""The ledger on disk: where salesflow's files go, a full check of the whole ledger, and the
check of one new transaction against what that full check found.

Layout, beside the main ledger file (`SALESFLOW_BEANCOUNT_LEDGER`; if that is a symlink, beside
the link - beancount reads includes relative to the path it is given - while the link's target
is the file that gets the include line, see files.replace):

    ledger.beancount                      the accountant's; salesflow appends one line, once:
                                          include "salesflow/**/*.beancount"
    salesflow/accounts.beancount          `open` directives for the accounts salesflow posts to
    salesflow/invoices/INV/2026/00001.beancount   one issued invoice each
    salesflow/voids/INV/2026/00001.beancount      its reversal, if voided

A full check (`load`) parses, books, runs the plugins and validates everything, exactly as
`bean-check` does. It is O(ledger), so it runs at start, when a file salesflow did not write
changed or an include line of one now matches other files (includes.py), and now and then for
payments - not per invoice. It only reads: the ledger is set up for salesflow (`add_include`,
`write_accounts`) just before salesflow first writes to it, its accounts file opening the
accounts and declaring the currencies salesflow's transactions need that the ledger lacks. A new
transaction is checked on its own instead (`check_write`): its text is parsed back, booked and
validated by beancount against the accounts as the ledger opens and closes them, and refused if
a balance assertion dated after it covers an account it touches. So a ledger that passed the
full check still passes it after salesflow's write, without reading it again.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from beancount import loader
from beancount.core import account as accounts_
from beancount.core import data
from beancount.ops import validation
from beancount.parser import booking, options, parser

from ...domain.accounting import BackendError
from . import files, includes
from .cursor import Index
from .includes import Include
from .payments import statements_in

log = logging.getLogger("salesflow.beancount")
FOLDER = "salesflow"
INCLUDE_GLOB = f"{FOLDER}/**/*.beancount"
INCLUDE = f'include "{INCLUDE_GLOB}"'
OPEN_DATE = date(1970, 1, 1)  # before any invoice salesflow may record
MAX_MESSAGE = 500


@dataclass(frozen=True)
class Layout:
    main: Path

    @property
    def root(self) -> Path:
        return self.main.parent

    @property
    def ours(self) -> Path:
        return self.root / FOLDER

    @property
    def accounts(self) -> Path:
        return self.ours / "accounts.beancount"

    @property
    def invoices(self) -> Path:
        return self.ours / "invoices"

    @property
    def voids(self) -> Path:
        return self.ours / "voids"

    @property
    def lock(self) -> Path:
        return self.ours / ".lock"

    def written_per_invoice(self, path: str) -> bool:
        """Whether a file is one of the per-invoice files salesflow writes (never edited by hand)."""
        return path.startswith((str(self.invoices) + os.sep, str(self.voids) + os.sep))

    def show(self, path: str | Path | None) -> str:
        """A path as messages show it: relative to the ledger's folder when inside it."""
        if not path or str(path).startswith("<"):
            return self.main.name
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


@dataclass
class Snapshot:
    """What a full check found, kept so that a write needs no second look at the whole ledger."""

    error: str | None = None  # "<file>:<line>: <message>" of the first error; None if the ledger is valid
    opens: dict[str, data.Open] = field(default_factory=dict)
    commodities: set[str] = field(default_factory=set)  # the currencies a `commodity` directive declares
    closes: dict[str, data.Close] = field(default_factory=dict)
    assertions: dict[tuple[str, str], data.Balance] = field(default_factory=dict)  # the latest per account
    roots: frozenset[str] = frozenset()
    watched: dict[str, tuple | None] = field(default_factory=dict)  # path -> signature at the check
    includes: list[Include] = field(default_factory=list)  # the hand-kept files' include lines
    includes_ours: bool = False
    payments: Index = field(default_factory=lambda: Index.of({}))  # every invoice's statement, by bucket
    checked_at: float = 0.0

    def changed(self) -> list[str]:
        """The watched paths that are not as they were at the check, and the include patterns
        that now match other files (a new file, or a new folder, under an accountant's glob)."""
        paths = [p for p, sig in self.watched.items() if files.signature(p) != sig]
        return paths + [include.pattern for include in self.includes if include.stale()]


def describe(layout: Layout, errors: list, *, located: bool = True) -> str:
    """The first error as `<file>:<line>: <message>` (just the message when not `located`),
    plus how many more there are."""
    first = errors[0]
    source = getattr(first, "source", None) or {}
    where = layout.show(source.get("filename"))
    line = source.get("lineno")
    message = " ".join(str(getattr(first, "message", first)).split())
    text = message if not located else f"{where}:{line}: {message}" if line else f"{where}: {message}"
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return text[:MAX_MESSAGE]


def _load_uncached(path: str):
    # beancount's pickle cache only re-reads files whose mtime changed, so it would not see a
    # new file matched by a glob include (every invoice we write): load without it, through the
    # function load_file wraps with the cache (same arguments: log_timings, extra_validations,
    # encoding). Should a later beancount drop it, load_file is still right, as our writes
    # delete the cache (forget_load_cache).
    uncached = getattr(loader, "_uncached_load_file", None)
    return uncached(path, None, None, None) if uncached else loader.load_file(path)


def load(layout: Layout, receivable: str, previous: Snapshot | None = None) -> Snapshot:
    """Check the whole ledger, as bean-check does, and keep what later writes are checked against."""
    main = str(layout.main)
    known = set(previous.watched) if previous else set()
    before = {p: files.signature(p) for p in known | {main}}
    started = time.monotonic()
    entries, errors, options_map = _load_uncached(main)
    loaded = list(options_map.get("include") or [])
    snap = Snapshot(checked_at=time.monotonic(), includes_ours=str(layout.accounts) in loaded)
    watch = {main} | {name for name in loaded if not layout.written_per_invoice(name)}
    for path in watch:
        sig = files.signature(path)
        # written while we read it: what we parsed may be older than this, so look again next time
        snap.watched[path] = ("changed while loading",) if path in before and before[path] != sig else sig
    ours = os.path.normpath(layout.ours)
    own_glob = os.path.normpath(os.path.join(os.path.dirname(main), INCLUDE_GLOB))
    hand_kept = [name for name in loaded if not name.startswith(ours + os.sep)]
    patterns = {p for name in hand_kept for p in includes.patterns_in(name) if os.path.normpath(p) != own_glob}
    snap.includes = [Include.seen(p, set(loaded), ours) for p in sorted(patterns)]
    if errors:
        snap.error = describe(layout, errors)
        return snap
    snap.roots = frozenset(options.get_account_types(options_map))
    for entry in entries:
        if isinstance(entry, data.Open):
            snap.opens.setdefault(entry.account, entry)
        elif isinstance(entry, data.Commodity):
            snap.commodities.add(entry.currency)
        elif isinstance(entry, data.Close):
            snap.closes.setdefault(entry.account, entry)
        elif isinstance(entry, data.Balance):
            key = (entry.account, entry.amount.currency)
            if key not in snap.assertions or snap.assertions[key].date < entry.date:
                snap.assertions[key] = entry
    snap.payments = Index.of(statements_in(entries, receivable))
    log.info(
        "beancount: checked %s in %.1fs (%d entries, %d payments)",
        layout.show(main),
        time.monotonic() - started,
        len(entries),
        sum(len(p) for p in snap.payments.statements.values()),
    )
    return snap


def check_write(layout: Layout, snap: Snapshot, text: str, planned: dict[str, data.Open]) -> None:
    """Refuse (BackendError) a transaction that would make the checked ledger fail bean-check.

    `text` is exactly what will be written; `planned` are the opens salesflow is about to add."""
    parsed, errors, options_map = parser.parse_string(text)
    txns = [e for e in parsed if isinstance(e, data.Transaction)]
    if errors or len(txns) != 1:
        raise BackendError(
            f"salesflow rendered a transaction beancount does not read back: "
            f"{describe(layout, errors, located=False) if errors else text[:200]}",
            transient=False,
        )
    txn = txns[0]
    used = sorted({p.account for p in txn.postings})
    wrong_root = [a for a in used if a.split(":")[0] not in snap.roots]
    if wrong_root:
        raise BackendError(
            f"{layout.show(layout.main)}: account {wrong_root[0]} does not start with one of the "
            f"ledger's account types ({', '.join(sorted(snap.roots))}); set "
            f"SALESFLOW_BEANCOUNT_RECEIVABLE/_INCOME/_TAX to fit the ledger",
            transient=False,
        )
    context: list = [snap.opens.get(a) or planned[a] for a in used if a in snap.opens or a in planned]
    context += [snap.closes[a] for a in used if a in snap.closes]
    booked, problems = booking.book(sorted(context + [txn], key=data.entry_sortkey), options_map)
    problems += validation.validate(booked, options_map)
    if problems:
        # The ledger is fine but would not take this transaction (account closed, currency not
        # allowed, ...): a person changes the ledger, after which a retry succeeds.
        raise BackendError(f"the ledger would not accept {txn.narration}: {describe(layout, problems, located=False)}")
    for posting in txn.postings:
        for name in accounts_.parents(posting.account):
            assertion = snap.assertions.get((name, posting.units.currency))
            if assertion is not None and assertion.date > txn.date:
                where = f"{layout.show(assertion.meta.get('filename'))}:{assertion.meta.get('lineno')}"
                raise BackendError(
                    f"{where}: the balance assertion on {name} of {assertion.date} would fail "
                    f"with {txn.narration} of {txn.date} added before it; move the assertion "
                    f"or remove it, then salesflow retries"
                )


def open_entry(account: str) -> data.Open:
    return data.Open(data.new_metadata(str(Path(FOLDER) / "accounts.beancount"), 0), OPEN_DATE, account, None, None)


def commodity_entry(currency: str) -> data.Commodity:
    """The declaration of a currency, in salesflow's accounts file, dated before any invoice."""
    return data.Commodity(data.new_metadata(str(Path(FOLDER) / "accounts.beancount"), 0), OPEN_DATE, currency)


@dataclass(frozen=True)
class Needs:
    """The accounts a transaction posts to and the currencies it posts in; minus a Snapshot, the
    ones the ledger does not open or declare yet."""

    accounts: frozenset[str]
    currencies: frozenset[str]

    @classmethod
    def of(cls, entry: data.Transaction) -> Needs:
        return cls(frozenset(p.account for p in entry.postings), frozenset(p.units.currency for p in entry.postings))

    def __sub__(self, snap: Snapshot | Needs) -> Needs:
        if isinstance(snap, Needs):
            return Needs(self.accounts - snap.accounts, self.currencies - snap.currencies)
        return Needs(self.accounts - set(snap.opens), self.currencies - snap.commodities)

    def __bool__(self) -> bool:
        return bool(self.accounts or self.currencies)

    def opens(self) -> dict[str, data.Open]:
        """The open directives these accounts need."""
        return {account: open_entry(account) for account in sorted(self.accounts)}

    def entries(self, *, without: Sequence[data.Directive] = ()) -> list[data.Directive]:
        """The directives that open and declare these, leaving out those `without` has already."""
        opened = {e.account for e in without if isinstance(e, data.Open)}
        declared = {e.currency for e in without if isinstance(e, data.Commodity)}
        return [commodity_entry(c) for c in sorted(self.currencies - declared)] + [
            e for a, e in self.opens().items() if a not in opened
        ]


def declared_by_us(layout: Layout) -> list[data.Directive]:
    """The opens and commodity declarations in salesflow's accounts file (a small file: parsed, not loaded)."""
    if not layout.accounts.exists():
        return []
    entries, errors, _ = parser.parse_file(str(layout.accounts))
    if errors:
        raise BackendError(f"{describe(layout, errors)}; nothing is written until it is fixed")
    return [e for e in entries if isinstance(e, data.Open | data.Commodity)]


ACCOUNTS_HEADER = (
    "; Written by salesflow's beancount backend: the accounts its invoices post to, and the currencies\n"
    "; they are in that the ledger did not declare. Opened without a currency constraint, so any\n"
    "; invoice currency is accepted.\n\n"
)


def write_accounts(layout: Layout, declared: list[data.Directive]) -> None:
    from .render import text  # the printer, shared with the invoices

    commodities = sorted((e for e in declared if isinstance(e, data.Commodity)), key=lambda e: e.currency)
    opens = sorted((e for e in declared if isinstance(e, data.Open)), key=lambda e: e.account)
    body = text(*commodities, *opens) if declared else ""
    files.replace(layout.accounts, ACCOUNTS_HEADER + body)


def add_include(layout: Layout) -> None:
    """Append the include line to the main ledger file, atomically (the file is replaced whole).

    A symlinked ledger is resolved once, so the file read is the file written even if the link
    is re-pointed meanwhile."""
    target = Path(os.path.realpath(layout.main))
    current = target.read_text(encoding="utf-8")
    if INCLUDE in current.splitlines():
        return
    tail = "" if current.endswith("\n") or not current else "\n"
    files.replace(target, f"{current}{tail}\n; salesflow's invoices (its beancount backend writes them)\n{INCLUDE}\n")


def forget_load_cache(layout: Layout) -> None:
    """Delete beancount's pickle cache beside the main file, if any: it would not notice our new
    files (see `_load_uncached`), and bean-check or fava would read a ledger without them. A
    symlinked ledger may have been loaded under either name, so both caches go."""
    pattern = os.getenv("BEANCOUNT_LOAD_CACHE_FILENAME") or loader.PICKLE_CACHE_FILENAME
    for main in {str(layout.main), os.path.realpath(layout.main)}:
        try:
            os.unlink(loader.get_cache_filename(pattern, main))
        except FileNotFoundError:
            pass
