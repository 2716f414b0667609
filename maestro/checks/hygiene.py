"""MC6xx: the rules of AGENTS.md that a program can check: the disclaimer, and no secrets pasted in."""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from .. import engagement, textscan
from .registry import Hit, rule

_AFTER_DISCLAIMER = re.compile(r"^[\s*_]*(?:(?:drafted|reviewed)\b[^\n]*[\s*_]*)*$", re.I | re.S)


def _flat(s: str) -> str:
    return " ".join(textscan.normalise(s).replace("*", " ").replace("_", " ").split())


def disclaimer_closes(text: str) -> bool:
    """The disclaimer is there, and only its 'Drafted with ... Reviewed by ...' line follows it."""
    flat, want = _flat(text), _flat(engagement.DISCLAIMER)
    at = flat.rfind(want)
    return at >= 0 and bool(_AFTER_DISCLAIMER.match(flat[at + len(want):]))


@rule("MC601", "disclaimer-missing", summary="An output file does not end with the AI-assistance disclaimer.",
      hint="End the file with the disclaimer from AGENTS.md, word for word, with the 'Drafted with' line under it.")
def disclaimer_missing(ctx):
    if ctx.mode == "project":
        for pf in ctx.files:
            if pf.exists and not disclaimer_closes(pf.text):
                yield Hit(pf.label, max(1, pf.text.count("\n")), f"phase {pf.n}", "the AI-assistance disclaimer is not the last thing in the file")
        return
    text = ctx.doc.get("disclaimer")
    if not isinstance(text, str) or _flat(engagement.DISCLAIMER) not in _flat(text):
        yield Hit(*ctx.at(ctx.doc, "disclaimer" if "disclaimer" in ctx.doc else "schema_version"), "",
                  "'disclaimer' must carry the AI-assistance disclaimer word for word")


# ------------------------------------------------------------------ secrets
_PLUGINS_OFF = ("HexHighEntropyString",)  # commit hashes and digests are normal in Phase 8 evidence


def _cache_file(digest: str) -> Path | None:
    try:
        from ..kbcache import cache_dir
        return cache_dir() / f"secrets-{digest}.json"
    except Exception:  # noqa: BLE001 - the cache is an optimisation only
        return None


def _scan(path: Path) -> list[tuple[int, str]]:
    """(line, kind) of every likely secret in one file, by detect-secrets; cached by content."""
    data = path.read_bytes()
    import importlib.metadata as md
    try:
        version = md.version("detect-secrets")
    except md.PackageNotFoundError:
        version = "?"
    digest = hashlib.sha256(data + f"|{version}|{_PLUGINS_OFF}".encode()).hexdigest()
    cache = _cache_file(digest)
    if cache and cache.exists():
        try:
            return [tuple(x) for x in json.loads(cache.read_text(encoding="utf-8"))]
        except (OSError, ValueError):
            pass
    found = _detect(path)
    if cache:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(found, fh)
            os.replace(tmp, cache)
        except OSError:
            pass
    return found


def _detect(path: Path) -> list[tuple[int, str]]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings, get_settings
    secrets = SecretsCollection()
    with default_settings():
        get_settings().disable_plugins(*_PLUGINS_OFF)
        secrets.scan_file(str(path))
    return sorted({(s.line_number, s.type) for _, s in secrets})


@rule("MC602", "secret-in-file", summary="A file of the engagement holds what looks like a secret, token or private key.",
      hint="Remove it (and rotate it if real); cite the file, line and kind of secret instead (AGENTS.md ground rule 9).")
def secret_in_file(ctx):
    paths = [pf.path for pf in ctx.files if pf.exists] if ctx.mode == "project" else [Path(ctx.doc_file)]
    if ctx.mode == "project" and ctx.state_file:
        paths.append(Path(ctx.state_file))
    for p in paths:
        if p.exists():
            for line, kind in _scan(p):
                yield Hit(str(p), line, "", f"possible secret ({kind}); never paste secrets into a threat model")
