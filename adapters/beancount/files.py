"""Atomic, durable file writes for the ledger, and the lock that serialises shared-file changes.

Every file salesflow puts in a ledger appears whole or not at all: its text goes to a hidden
temporary file in the same folder (`.<name>.<random>.tmp`, which beancount's `*.beancount`
globs never match), is fsynced, and is then moved into place; the folder is fsynced after, so
the new name survives a crash too. A file replaced through a symlink is replaced where the link
points (`replace`); a new file is never written through one (`write_new` finds the name taken).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: one process per ledger
    fcntl = None


def signature(path: str | os.PathLike) -> tuple | None:
    """What changes when a file is written, replaced or touched, or when a folder gains or loses
    a visible entry (hidden ones - beancount's pickle cache, editors' swap files, our temporary
    files - come and go without meaning anything); None if absent."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            return ("folder", *sorted(name for name in os.listdir(path) if not name.startswith(".")))
    except OSError:  # gone, or no longer readable: either way not what was checked
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs(path: Path) -> None:
    """mkdir -p, fsyncing the parent of every folder it creates."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            pass
        fsync_dir(folder.parent)


def _temp_file(folder: Path, name: str, text: str, mode: int | None = None) -> Path:
    tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
    # 0o666 less the umask, like any file the user creates (mkstemp's 0o600 would hide it from the accountant)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_new(path: Path, text: str) -> bool:
    """Create `path` holding `text` unless it already exists (then False, nothing written).

    The complete temporary file is hard-linked to its final name: link(2) fails if the name
    exists, atomically, like O_EXCL - two writers racing for one name (threads or processes)
    leave exactly one file, complete, and the loser learns it lost."""
    make_dirs(path.parent)
    tmp = _temp_file(path.parent, path.name, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def replace(path: Path, text: str) -> None:
    """Overwrite `path` with `text` atomically, keeping its permissions (and owner, if we may).

    A symlink is followed, as it is looked up now: the file it points to is replaced and the
    link stays a link (a ledger kept as current.beancount -> 2026.beancount, re-pointed at year
    end). Replacing the link itself would leave a stale copy where the accountant's file was."""
    path = Path(os.path.realpath(path))
    make_dirs(path.parent)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    tmp = _temp_file(path.parent, path.name, text, None if st is None else st.st_mode & 0o7777)
    try:
        if st is not None:
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError as err:
                if err.errno not in (errno.EPERM, errno.EACCES):
                    raise
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(path.parent)


def make_durable(path: Path) -> None:
    """fsync a file that already exists, and its folder (a retry after a lost answer)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (created if missing), held across processes while inside."""
    make_dirs(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
