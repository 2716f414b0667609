"""The maestro cache directory: where derived files that are safe to delete are kept between runs.

It holds the worked examples' secret-scan results (checks/hygiene.py) and the report templates' compiled form
(report_render.py); the knowledge base itself is never cached here, `maestro` validates it on every run (kb.py).

- The directory is ``$MAESTRO_CACHE_DIR``, else ``$XDG_CACHE_HOME/maestro``, else ``~/.cache/maestro``.
- Files are written atomically (temp file + os.replace); a directory that cannot be written is skipped silently.
- ``read_trusted`` returns a file only when it and its directory are owned by the current user, are not symlinks and
  are writable by nobody else, so another account cannot plant what a caller will load.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

MAX_KEPT = 64  # files kept per ``prune`` pattern; every template change adds one


def cache_dir() -> Path:
    env = os.environ.get("MAESTRO_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "maestro"
    return Path.home() / ".cache" / "maestro"


def _ensure_dir(d: Path) -> bool:
    try:
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(d, os.W_OK)


def _write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temp file in the same directory and os.replace; False on failure."""
    if not _ensure_dir(path.parent):
        return False
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


def _trusted(path: Path) -> bool:
    """Owned by this user, not a symlink, not writable by group or others (file and its directory)."""
    getuid = getattr(os, "getuid", None)
    try:
        for p in (path.parent, path):
            st = os.lstat(p)
            if os.path.islink(p) or (getuid is not None and st.st_uid != getuid()) or st.st_mode & 0o022:
                return False
    except OSError:
        return False
    return True


def read_trusted(name: str) -> bytes | None:
    """The bytes of ``<cache dir>/<name>`` when it passes _trusted, else None."""
    path = cache_dir() / name
    if not path.is_file() or not _trusted(path):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_private(name: str, data: bytes, prune: str | None = None) -> bool:
    """Write ``<cache dir>/<name>`` atomically; with ``prune`` (a glob), keep only the MAX_KEPT newest of those files."""
    written = _write_atomic(cache_dir() / name, data)
    if written and prune:
        _prune(prune, MAX_KEPT)
    return written


def _prune(pattern: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently written cache files matching ``pattern``."""
    try:
        files = sorted(cache_dir().glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink()
    except OSError:
        pass
