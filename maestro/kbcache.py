"""Cache of the validated knowledge base, so `maestro` commands skip re-validating it.

``load_kb(data_dir)`` (what the CLI calls) returns the same KB as ``kb.load_kb`` would:

- The key is SHA-256 over the Python version, every data file ``kb.load_kb`` reads (its
  bytes, or "missing") and the source of every module of the ``maestro`` package (so a
  change to the schemas or to the checks invalidates it).
- On a hit the KB is built from the cached documents: no YAML parsing, no JSON Schema
  validation, no jsonschema import. On a miss the knowledge base is fully validated (an
  invalid one raises KBError as always) and the documents are written, as JSON (a header
  line with the key and the SHA-256 of the body, then the documents), to
  ``kb-<hash of the data directory's path>.json`` in the cache directory.
- The cache directory is ``$MAESTRO_CACHE_DIR``, else ``$XDG_CACHE_HOME/maestro``, else
  ``~/.cache/maestro``. Files are written atomically (temp file + os.replace); a cache file
  that cannot be read or parsed, whose body does not match its digest, or whose key does
  not match, is ignored and rewritten;
  a directory that cannot be written is skipped silently.

Cached documents are plain JSON, never pickle: reading a cache file cannot run code. They
carry no line positions (yamlio.LDict), which only validation uses; the site build keeps
calling ``kb.load_kb`` and validates in full. The one cached thing that is code, the
validators fastjsonschema generates (jsonschema_check.py), is loaded only from files owned by the
current user and writable by nobody else, in a directory with the same properties.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

from . import integrity, safeio

FORMAT = 1
PACKAGE = Path(__file__).resolve().parent

_primed: tuple | None = None  # (data_dir, package dir, digests) handed over by the CLI, used once


def cache_dir() -> Path:
    env = os.environ.get("MAESTRO_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "maestro"
    return Path.home() / ".cache" / "maestro"


# ------------------------------------------------------------------ key
def prime(root, data_dir, digests: dict | None) -> None:
    """Offer digests just computed by integrity.digest(root, data_dir) to the next cache lookup.

    The CLI computes them for the release-manifest warning; the next ``load_kb`` of the same
    data directory reuses them for its key instead of hashing the files again (once only).
    """
    global _primed
    _primed = (Path(data_dir).resolve(), Path(root).resolve() / "maestro", digests) if digests is not None else None


def _take_primed(data_dir: Path):
    global _primed
    hit, _primed = _primed, None
    if hit and hit[0] == data_dir and hit[1] == PACKAGE:
        return hit[2]
    return None


def key(data_dir, digests: dict | None = None) -> str:
    """Cache key of the knowledge base in ``data_dir`` as validated by this package."""
    from .kb import FILES

    data_dir = Path(data_dir)
    h = hashlib.sha256(f"maestro-kbcache {FORMAT}\n{sys.version}\n{sys.implementation.cache_tag}\n".encode())
    for name in FILES:
        rel = f"data/{name}.yaml"
        if digests is not None and rel in digests:
            d = digests[rel]
        else:
            p = data_dir / f"{name}.yaml"
            try:
                d = integrity.sha256_file(p)
            except safeio.Unusable:  # missing, or not a regular file: validation reports it with the file's name
                d = "unreadable"
        h.update(f"{rel} {d}\n".encode())
    sources = {k: v for k, v in (digests or {}).items() if k.startswith("maestro/")}
    if not sources:
        sources = {rel: integrity.sha256_file(p) for rel, p in integrity._walk(PACKAGE, "maestro", lambda f: f.endswith(".py")).items()}
    for rel in sorted(sources):
        h.update(f"{rel} {sources[rel]}\n".encode())
    return h.hexdigest()


def _kb_file(data_dir: Path) -> Path:
    return cache_dir() / f"kb-{hashlib.sha256(str(data_dir).encode()).hexdigest()[:20]}.json"


# ------------------------------------------------------------------ read / write
# A cache file is one JSON header line, {"format", "key", "fingerprint", "sha256"}, then the
# documents as one JSON object. "sha256" is the digest of those document bytes, so a truncated
# or damaged file is detected before it is parsed.
def read(data_dir, want_key: str) -> dict | None:
    """The cached entry for ``data_dir`` if it exists, is intact and matches ``want_key``; else None."""
    from .kb import FILES

    try:
        with open(_kb_file(Path(data_dir).resolve()), "rb") as fh:
            raw = fh.read()
        head, sep, body = raw.partition(b"\n")
        entry = json.loads(head.decode("utf-8"))
        if not (sep and isinstance(entry, dict) and entry.get("format") == FORMAT and entry.get("key") == want_key
                and isinstance(entry.get("fingerprint"), str) and entry.get("sha256") == hashlib.sha256(body).hexdigest()):
            return None
        docs = json.loads(body.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not (isinstance(docs, dict) and list(docs) == list(FILES) and all(isinstance(d, dict) for d in docs.values())):
        return None
    entry["docs"] = docs
    return entry


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


def _json_exact(node) -> bool:
    """Whether ``json.loads(json.dumps(node)) == node`` holds structurally (keys strings, no tuples)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is dict:
            if not all(type(k) is str for k in n):
                return False
            stack.extend(n.values())
        elif type(n) is list:
            stack.extend(n)
        elif not (n is None or type(n) in (str, int, float, bool)):
            return False
    return True


def write(data_dir, the_key: str, docs: dict, fingerprint: str) -> bool:
    """Store validated documents (plain JSON) for ``data_dir`` under ``the_key``."""
    from . import yamlio

    plain = {k: yamlio.plain(v) for k, v in docs.items()}
    if not _json_exact(plain):
        return False  # JSON would change it (a non-string key, a tuple, ...): do not cache
    try:
        body = json.dumps(plain, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):  # a value JSON cannot hold (NaN, infinity, a date object): do not cache
        return False
    head = {"format": FORMAT, "key": the_key, "fingerprint": fingerprint, "sha256": hashlib.sha256(body).hexdigest()}
    return _write_atomic(_kb_file(Path(data_dir).resolve()), json.dumps(head).encode() + b"\n" + body)


# ------------------------------------------------------------------ load
def load_kb(data_dir):
    """``kb.load_kb(data_dir)``, served from the cache when the data and code are unchanged."""
    from . import kb as kbmod

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return kbmod.load_kb(data_dir)  # raises the usual KBError
    resolved = data_dir.resolve()
    before = key(data_dir, _take_primed(resolved))
    entry = read(data_dir, before)
    if entry is not None:
        try:
            return kbmod.KB(entry["docs"], entry["fingerprint"])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            pass  # documents that do not fit this code: validate afresh
    kb = kbmod.load_kb(data_dir)  # full validation; raises KBError when invalid
    # Store only if nothing changed while it was being read: the key must describe these docs.
    if key(data_dir) == before:
        write(data_dir, before, kb.docs, kb.fingerprint)
    return kb


# ------------------------------------------------------------------ generated code (jsonschema_check.py)
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


def _run(code) -> dict:
    namespace: dict = {"__name__": "maestro._generated", "__builtins__": __builtins__}
    exec(code, namespace)  # noqa: S102 - generated by fastjsonschema from our own schema
    return namespace


def load_code(name: str) -> dict | None:
    """The namespace of generated code cached as ``<cache dir>/<name>.<tag>.code``, or None.

    None when the file is absent, untrusted (see _trusted), not a code object of this Python,
    or fails to run; the caller then regenerates it.
    """
    import marshal

    path = cache_dir() / f"{name}.{sys.implementation.cache_tag}.code"
    if not path.is_file() or not _trusted(path):
        return None
    try:
        code = marshal.loads(path.read_bytes())
        if type(code) is not type(_run.__code__):
            return None
        return _run(code)
    except Exception:  # noqa: BLE001 - a damaged cache file is regenerated
        return None


def store_code(name: str, source: str) -> dict:
    """Compile ``source``, cache its code object (marshal, like a .pyc) and return its namespace.

    The compiled form is cached because compiling the generated source costs more than
    generating it; it is written even under PYTHONDONTWRITEBYTECODE, which governs imports only.
    """
    import marshal

    code = compile(source, f"<maestro generated {name}>", "exec")
    if _write_atomic(cache_dir() / f"{name}.{sys.implementation.cache_tag}.code", marshal.dumps(code)):
        _prune("fjs_*", MAX_GENERATED)
    return _run(code)


MAX_GENERATED = 64  # generated validators kept; every schema change adds one


def read_trusted(name: str) -> bytes | None:
    """The bytes of ``<cache dir>/<name>`` when it passes _trusted, else None (compiled code of another kind, such as
    the report templates' Jinja2 bytecode, is kept on the same terms as the generated validators)."""
    path = cache_dir() / name
    if not path.is_file() or not _trusted(path):
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_private(name: str, data: bytes, prune: str | None = None) -> bool:
    """Write ``<cache dir>/<name>`` atomically; with ``prune`` (a glob), keep only the MAX_GENERATED newest of those files."""
    written = _write_atomic(cache_dir() / name, data)
    if written and prune:
        _prune(prune, MAX_GENERATED)
    return written


def _prune(pattern: str, keep: int) -> None:
    """Delete all but the ``keep`` most recently written cache files matching ``pattern``."""
    try:
        files = sorted(cache_dir().glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[keep:]:
            old.unlink()
    except OSError:
        pass
