"""Integrity of a checkout: which files `maestro verify` covers, their digests, the manifest.

Covered are the files that shape what an agent reads or how its output is judged:

- ``data/`` recursively: the knowledge base and the worked examples in ``data/examples/``;
- ``AGENTS.md`` and ``CLAUDE.md``: the agent's instructions;
- ``maestro/**/*.py``: the package that validates engagements (it holds their schemas).

``root`` is a clone's root or, for an installed wheel, the bundle ``paths.root()`` names; the
covered code is then the installed package itself (``paths.code_dir``).

A manifest is ``{"version": kb version, "algorithm": "sha256", "files": {relpath: hex}}``;
relative paths use ``/``. The release commits one as ``manifest.json`` and the site publishes
the same document at ``/manifest.json``. Nothing here imports anything heavy: the digests are
computed on every ``maestro`` command (for the release-manifest warning).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from . import paths, safeio

ALGORITHM = "sha256"
INSTRUCTION_FILES = ("AGENTS.md", "CLAUDE.md")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_SKIP_DIRS = {"__pycache__"}


class ManifestError(ValueError):
    """A manifest that is not usable; the message says why."""


def _walk(base: Path, prefix: str, keep) -> dict[str, Path]:
    out: dict[str, Path] = {}
    if not base.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        rel = os.path.relpath(dirpath, base)
        for f in filenames:
            if keep(f):
                r = f if rel == "." else f"{rel}/{f}".replace(os.sep, "/")
                out[f"{prefix}/{r}"] = Path(dirpath, f)
    return out


def _paths(root, data_dir=None) -> dict[str, Path]:
    """Covered relpath -> file on disk. ``data_dir`` stands in for ``root/data`` (MAESTRO_DATA)."""
    root = Path(root)
    out = _walk(Path(data_dir) if data_dir is not None else root / "data", "data", lambda f: not f.endswith((".pyc", ".pyo")))
    for name in INSTRUCTION_FILES:
        p = root / name
        if p.is_file():
            out[name] = p
    out.update(_walk(paths.code_dir(root), "maestro", lambda f: f.endswith(".py")))
    return dict(sorted(out.items()))


def covered_files(root, data_dir=None) -> list[str]:
    """Relative paths (with ``/``) of every covered file that exists under ``root``."""
    return list(_paths(root, data_dir))


COVERED_FILE_BYTES = 64 * 1024 * 1024  # no covered file comes near this; a larger one is refused, not hashed


def sha256_file(path) -> str:
    """Digest of a covered file; safeio.Unusable when it is not a regular file or is over the limit."""
    return hashlib.sha256(safeio.read_bytes(path, COVERED_FILE_BYTES, what="covered file")).hexdigest()


def digest(root, data_dir=None) -> dict[str, str]:
    """``{relpath: sha256 hex}`` of every covered file."""
    return {rel: sha256_file(p) for rel, p in _paths(root, data_dir).items()}


def manifest(root, version: str, data_dir=None, digests: dict | None = None) -> dict:
    """The manifest document of the covered files under ``root``."""
    files = digests if digests is not None else digest(root, data_dir)
    return {"version": version, "algorithm": ALGORITHM, "files": dict(sorted(files.items()))}


def manifest_text(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"


def check_manifest(doc) -> dict:
    """Return ``doc`` if it is a usable manifest, else raise ManifestError saying why."""
    if not isinstance(doc, dict):
        raise ManifestError(f"expected a JSON object at the top level, found {type(doc).__name__}")
    algo = doc.get("algorithm", ALGORITHM)
    if algo != ALGORITHM:
        raise ManifestError(f"unsupported algorithm {algo!r} (expected {ALGORITHM!r})")
    files = doc.get("files")
    if not isinstance(files, dict):
        raise ManifestError('no "files" object' if files is None else f'"files" is a {type(files).__name__}, not an object')
    for rel, hexd in files.items():
        parts = rel.split("/")
        if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
            raise ManifestError(f"file name {rel!r} is not a relative path")
        if not isinstance(hexd, str) or not _HEX64.fullmatch(hexd):
            raise ManifestError(f"the digest of {rel} is not 64 lowercase hex digits: {hexd!r}"[:200])
    return doc


def parse_manifest(text: str) -> dict:
    """Parse and check a manifest's text; ManifestError (never another exception) when unusable."""
    try:
        doc = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, or a recursion/number error inside json
        raise ManifestError(f"not JSON ({exc})") from None
    except RecursionError:
        raise ManifestError("not JSON (nested too deeply)") from None
    return check_manifest(doc)


def compare(manifest: dict, root, data_dir=None, digests: dict | None = None) -> tuple[list[str], list[str], list[str]]:
    """(changed, missing, extra) relpaths of the covered files against ``manifest``, each sorted."""
    want = check_manifest(manifest)["files"]
    have = digests if digests is not None else digest(root, data_dir)
    changed = sorted(k for k in want if k in have and have[k] != want[k])
    missing = sorted(k for k in want if k not in have)
    extra = sorted(k for k in have if k not in want)
    return changed, missing, extra


def read_manifest(path) -> dict:
    """The manifest in a local file: OSError when it cannot be read, ManifestError when corrupt."""
    raw = safeio.read_bytes(path, COVERED_FILE_BYTES, what="manifest")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_manifest(text)


def warn_if_modified(root, data_dir=None, manifest_path=None, stream=None) -> dict[str, str] | None:
    """Print one warning line when the covered files differ from the release manifest.

    Returns the digests it computed (None if a file could not be read).
    Never raises on a bad manifest: that is itself a reason to warn.
    """
    stream = stream if stream is not None else sys.stderr
    path = Path(manifest_path) if manifest_path is not None else Path(root) / "manifest.json"
    try:
        digests = digest(root, data_dir)
    except OSError as exc:
        print(f"maestro: warning: cannot read {getattr(exc, 'filename', None) or 'a covered file'} ({exc.strerror or exc}); run `maestro verify`", file=stream)
        return None
    except safeio.Unusable:
        return None  # the command's own read of that file fails with the reason; one line is enough
    try:
        changed, missing, extra = compare(read_manifest(path), root, digests=digests)
    except (OSError, safeio.Unusable) as exc:
        print(f"maestro: warning: cannot read the release manifest {path} ({getattr(exc, 'strerror', None) or exc}); run `maestro verify`", file=stream)
        return digests
    except ManifestError as exc:
        print(f"maestro: warning: the release manifest {path} is corrupt ({exc}); run `maestro verify`", file=stream)
        return digests
    n = len(changed) + len(missing) + len(extra)
    if n:
        print(f"maestro: warning: {n} file(s) differ from the release manifest; run `maestro verify`", file=stream)
    return digests
