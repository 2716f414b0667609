"""Reading and writing files that may be hostile, in one place.

Everything the tool reads can have been written by someone else: an engagement folder an agent filled in under
prompt injection, a data file in a pull request, a path an MCP client asks for. The rules, each kept here once:

- Only regular files are read. A FIFO, a device or a socket is refused before a byte is read (the open does
  not block: ``O_NONBLOCK``), and the size limit is enforced while reading, never trusted from ``stat``.
- A path given from outside can be confined to a root folder: resolved with every symlink followed, it must
  stay inside the root, or it is refused with a message that says nothing about what lies outside.
- Writes never go through a symlink, replace a file atomically (temporary file, fsync, rename), keep the
  previous version as ``<name>.bak`` when asked, and turn any OS error (disk full, read-only folder) into
  one line that names the file, with nothing half-written left behind.
- A read-modify-write of a project holds the project's lock (``fcntl.flock`` on ``.maestro.lock``), so two
  commands at once either both land or the later one waits, then fails with a clear message.

Every failure is an ``Unusable`` with one line naming the file; the CLI prints it and exits 2.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from pathlib import Path

MAX_FILE_BYTES = 4 * 1024 * 1024  # per engagement file; documented in AGENTS.md and the check-rules page
LOCK_NAME = ".maestro.lock"
LOCK_WAIT_SECONDS = 10.0
_READ_CHUNK = 64 * 1024
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class Unusable(Exception):
    """The input cannot be used (missing, not a regular file, too large, not text, outside the project)."""


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _oserror(path, exc: OSError, doing: str) -> Unusable:
    return Unusable(f"{path}: cannot {doing} ({exc.strerror or exc})")


# ------------------------------------------------------------------ confinement
def inside(path: Path | str, root: Path | str) -> bool:
    """Whether ``path``, with every symlink followed, is ``root`` or lies below it."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def confine(path: Path | str, root: Path | str, what: str = "path") -> Path:
    """``path`` resolved (symlinks followed) if it stays inside ``root``; else Unusable naming only the rule.

    A relative path is taken relative to ``root``. The refusal is the same whether the path exists or not,
    so it tells a caller nothing about the machine outside the root.
    """
    p = Path(path)
    if not p.is_absolute():
        p = Path(root) / p
    if "\x00" in str(p) or not inside(p, root):
        raise Unusable(f"refused: the {what} must lie inside {root}")
    return Path(os.path.realpath(p))


# ------------------------------------------------------------------ reading
def read_bytes(path: Path | str, limit: int = MAX_FILE_BYTES, what: str = "file") -> bytes:
    """The bytes of a regular file, at most ``limit`` of them; Unusable otherwise (never blocks on a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _oserror(path, exc, "read") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Unusable(f"{path}: {_kind(mode)}, not a regular file; only regular files are read")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Unusable(f"{path}: over the {_size(limit)} limit for {_article(what)}; split or trim it")
        return b"".join(chunks)
    except OSError as exc:
        raise _oserror(path, exc, "read") from None
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n} bytes"


def _article(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def read_text(path: Path | str, limit: int = MAX_FILE_BYTES, what: str = "engagement file") -> str:
    """A regular file as UTF-8 text, bounded; Unusable (one line, with the line of a bad byte) otherwise."""
    data = read_bytes(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Unusable(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                       "save the file as UTF-8") from None


def is_regular(path: Path | str) -> bool:
    """Whether ``path`` (symlinks followed) is an existing regular file."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


# ------------------------------------------------------------------ writing
def refuse_symlink(path: Path) -> None:
    """Unusable when ``path`` itself is a symlink: a write must never land somewhere the name does not say."""
    if os.path.islink(path):
        raise Unusable(f"{path}: is a symbolic link; refusing to write through it")


def write_atomic(path: Path, data: str | bytes, backup: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically; the previous version is kept as ``<name>.bak`` when ``backup``.

    Refuses a symlink at ``path`` or at the backup's name, and a non-regular file at ``path``. On any OS error
    the temporary files are removed and the original is left as it was.
    """
    path = Path(path)
    refuse_symlink(path)
    bak = path.with_name(path.name + ".bak")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        old = os.lstat(path) if os.path.lexists(path) else None
        if old is not None and not stat.S_ISREG(old.st_mode):
            raise Unusable(f"{path}: {_kind(old.st_mode)}, not a regular file; refusing to replace it")
        tmp = _write_temp(path, raw, stat.S_IMODE(old.st_mode) if old else None)
        if old is not None and backup:
            refuse_symlink(bak)
            bak_tmp = _write_temp(bak, read_bytes(path, limit=1 << 30), stat.S_IMODE(old.st_mode))
            os.replace(bak_tmp, bak)  # the file at ``path`` is never missing, even for a moment
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise _oserror(path, exc, "write") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _write_temp(beside: Path, raw: bytes, mode: int | None) -> str:
    """A new temporary file in ``beside``'s folder holding ``raw``, flushed to disk; its path."""
    fd, tmp = tempfile.mkstemp(prefix=f".{beside.name}-", suffix=".tmp", dir=beside.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            mask = os.umask(0)
            os.umask(mask)
            mode = 0o666 & ~mask
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


# ------------------------------------------------------------------ locking
@contextlib.contextmanager
def locked(folder: Path, wait: float | None = None):
    """Hold the project's lock (``folder/.maestro.lock``) for a read-modify-write.

    Waits up to ``wait`` seconds (default LOCK_WAIT_SECONDS, or $MAESTRO_LOCK_WAIT) for another command to
    finish, then fails with a clear message. The lock file is never followed through a symlink.
    """
    import fcntl

    wait = float(os.environ.get("MAESTRO_LOCK_WAIT", LOCK_WAIT_SECONDS)) if wait is None else wait
    lock = Path(folder) / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0), 0o644)
    except FileNotFoundError:
        yield  # no project folder: nothing to protect; the command's own read says what is missing
        return
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Unusable(f"{lock}: is a symbolic link; refusing to use it as the project's lock") from None
        raise _oserror(lock, exc, "lock the project with") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise Unusable(f"{folder}: another maestro command is changing this project; "
                                   "try again when it has finished") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
