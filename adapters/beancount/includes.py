"""The ledger's include lines, and a cheap way to notice that one of them now matches other files.

An accountant's ledger pulls in her own files with include lines, often globs:

    include "payments/**/*.beancount"

In January she makes payments/2027/01.beancount and types a payment there: bean-check reads it
at once, so salesflow must too, on its next pull - without loading the whole ledger (O(ledger))
on every pull to find out. For each include line of each hand-kept file a full check keeps an
`Include`: the files its glob matched, and the signature (visible entries) of every folder
under the glob's fixed prefix (`payments/`), where a new match could appear. A pull compares
those folders' listings - one listdir each, no parsing. Only when one changed is the glob run
again, and only when it now matches other files is the ledger checked in full: a bank statement
or an editor's backup dropped next to the payments costs one glob, not a full check.

Salesflow's own include (`salesflow/**/*.beancount`, a file per invoice) is not watched this
way: salesflow knows what it writes there, and its folders are left out of every walk. Hidden
folders are left out too (a `*` or `**` never matches them, as in beancount's glob).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

from beancount.parser import parser

from . import files

# An include directive starts a line (an indented one is a syntax error); the string itself is
# read by beancount's parser, so quoting and escapes are beancount's own.
_DIRECTIVE = re.compile(r'^include[ \t]+"(?:[^"\\\n]|\\.)*"', re.MULTILINE)
_MAGIC = re.compile(r"[*?[]")  # what makes a path component a pattern for glob


def patterns_in(path: str) -> list[str]:
    """The include patterns a ledger file names, absolute, as beancount's loader expands them
    (relative to the file's folder); none if it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            text = source.read()
    except OSError:
        return []
    found = []
    for line in _DIRECTIVE.finditer(text):
        _, _, options_map = parser.parse_string(line.group(0))
        for name in options_map["include"]:
            found.append(name if os.path.isabs(name) else os.path.join(os.path.dirname(path), name))
    return found


def matches(pattern: str) -> frozenset[str]:
    """The files the pattern matches now, exactly as beancount's loader globs them."""
    return frozenset(os.path.normpath(p) for p in glob.glob(pattern, recursive=True))


def folders(pattern: str, skip: str) -> dict[str, tuple | None]:
    """Every folder in which a new file could make `pattern` match more, with its signature:
    the pattern's fixed prefix and, if later folder parts are wildcards, the folders below it
    (as deep as those parts reach, all of them for `**`), leaving out hidden ones and `skip`.
    A prefix that does not exist yet is watched through its nearest existing parent."""
    parts = pattern.split(os.sep)
    wild = next((i for i, part in enumerate(parts[:-1]) if _MAGIC.search(part)), len(parts) - 1)
    base = os.sep.join(parts[:wild]) or os.sep
    depth = None if "**" in parts[wild:-1] else len(parts) - 1 - wild
    if not os.path.isdir(base):
        while not os.path.isdir(base) and os.path.dirname(base) != base:
            base = os.path.dirname(base)
        return {base: files.signature(base)}
    skip = os.path.normpath(skip)
    found: dict[str, tuple | None] = {}
    seen: set[str] = set()  # real paths: a folder linked into itself is walked once
    stack = [(base, 0)]
    while stack:
        folder, level = stack.pop()
        real = os.path.realpath(folder)
        if real in seen:
            continue
        seen.add(real)
        found[folder] = files.signature(folder)
        if depth is not None and level >= depth:
            continue
        try:
            with os.scandir(folder) as entries:
                below = [e.path for e in entries if not e.name.startswith(".") and e.is_dir()]
        except OSError:
            continue  # gone or unreadable: its signature (None) already says so
        stack.extend((path, level + 1) for path in below if os.path.normpath(path) != skip)
    return found


@dataclass
class Include:
    """One include line as a full check saw it."""

    pattern: str
    skip: str  # salesflow's own folder, never walked
    matched: frozenset[str] = frozenset()
    watched: dict[str, tuple | None] = field(default_factory=dict)  # folder -> signature at the check
    stale_now: bool = False

    @classmethod
    def seen(cls, pattern: str, loaded: set[str], skip: str) -> Include:
        """The include as the load that read `loaded` saw it. Its folders are listed before the
        glob runs, so a file that appears after either is caught: by the glob (a match the load
        did not read makes the include stale at once) or by its folder's changed listing."""
        watched = folders(pattern, skip)
        now = matches(pattern)
        return cls(pattern, skip, now & loaded, watched, stale_now=bool(now - loaded))

    def stale(self) -> bool:
        """Whether the pattern matches other files than at the check; cheap (a listdir per
        folder) unless a folder changed, then one glob. Notes new folders to watch meanwhile."""
        if self.stale_now:
            return True
        if all(files.signature(folder) == sig for folder, sig in self.watched.items()):
            return False
        watched = folders(self.pattern, self.skip)  # listed before the glob, as in `seen`
        if matches(self.pattern) != self.matched:
            self.stale_now = True
            return True
        self.watched = watched  # a new empty folder, a file the glob does not match: nothing to read
        return False
