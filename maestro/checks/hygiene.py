"""MC6xx: the rules of AGENTS.md that a program can check: the disclaimer, and no secrets pasted in."""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

from .. import cachedir, engagement, safeio, textscan
from .registry import Hit, rule

_AFTER_DISCLAIMER = re.compile(r"^(?:drafted|reviewed)\b", re.I)  # the one line that may follow the disclaimer


def _flat(s: str) -> str:
    return " ".join(textscan.normalise(s).replace("*", " ").replace("_", " ").split())


def disclaimer_closes(text: str) -> bool:
    """The disclaimer is there, and only its 'Drafted with ... Reviewed by ...' paragraph follows it."""
    want = _flat(engagement.DISCLAIMER)
    paragraphs = [_flat(p) for p in re.split(r"\n\s*\n", text) if p.strip()]
    last = max((i for i, p in enumerate(paragraphs) if want in p), default=None)
    if last is None:
        return False
    tail = [paragraphs[last].split(want, 1)[1].strip()] + paragraphs[last + 1:]
    return all(not p or _AFTER_DISCLAIMER.match(p) for p in tail)


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
_PLUGINS_OFF = ("HexHighEntropyString",)
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[+-][0-9]{2}:[0-9]{2})?")  # commit hashes and digests are normal in Phase 8 evidence


def _cache_file(digest: str) -> Path | None:
    try:
        return cachedir.cache_dir() / f"secrets-{digest}.json"
    except Exception:  # noqa: BLE001 - the cache is an optimisation only
        return None


@lru_cache(maxsize=1)
def _scanner_version() -> str:
    """detect-secrets' version, read from its package without importing it (the import costs ~100 ms)."""
    spec = importlib.util.find_spec("detect_secrets")
    try:
        text = (Path(spec.origin).parent / "__version__.py").read_text(encoding="utf-8")
        return re.search(r"VERSION\s*=\s*['\"]([^'\"]+)", text).group(1)
    except (AttributeError, OSError, TypeError):
        return "?"


def _scan_key(path: Path, data: bytes) -> bytes:
    """What decides the scan result: the file's bytes, or for state.json its strings less the
    'updated' timestamps, which change on every `maestro mark` and can hold no secret."""
    if path.name == "state.json":
        try:
            doc = json.loads(data)
            data = json.dumps([s for key, s in _strings(doc) if not (key == "updated" and _TIMESTAMP.fullmatch(s))]).encode()
        except ValueError:
            pass
    return data


def _strings(node, key=""):
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v, key)


def _scan(path: Path) -> list[tuple[int, str]]:
    """(line, kind) of every likely secret in one file, by detect-secrets; cached by what can hold one."""
    data = safeio.read_bytes(path)
    digest = hashlib.sha256(_scan_key(path, data) + f"|{_scanner_version()}|{_PLUGINS_OFF}".encode()).hexdigest()
    cache = _cache_file(digest)
    if cache and cache.exists():
        try:
            found = [tuple(x) for x in json.loads(cache.read_text(encoding="utf-8"))]
            if not found:
                return found  # a clean result stays clean; a dirty one is rescanned for exact lines
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


LONG_LINE = 4096  # detect-secrets' patterns slow down sharply on longer lines; such lines are scanned in pieces


def _detect(path: Path) -> list[tuple[int, str]]:
    """(line, kind) of every likely secret in ``path``; a line over LONG_LINE characters is scanned cut at
    white space into pieces (a copy in a private temporary folder), and findings are put back on its line."""
    text = safeio.read_bytes(path).decode("utf-8", "replace")
    if all(len(line) <= LONG_LINE for line in text.split("\n")):
        return _detect_file(path)
    pieces, origin = _cut_long_lines(text)
    with tempfile.TemporaryDirectory(prefix="maestro-secrets-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text("\n".join(pieces), encoding="utf-8")
        return sorted({(origin[n - 1], kind) for n, kind in _detect_file(copy)})


def _cut_long_lines(text: str) -> tuple[list[str], list[int]]:
    """The lines of ``text`` with every long line cut at white space; and, per piece, its original line number."""
    pieces, origin = [], []
    for n, line in enumerate(text.split("\n"), 1):
        while len(line) > LONG_LINE:
            cut = line.rfind(" ", 0, LONG_LINE)
            cut = cut if cut > 0 else LONG_LINE
            pieces.append(line[:cut])
            origin.append(n)
            line = line[cut:]
        pieces.append(line)
        origin.append(n)
    return pieces, origin


def _detect_file(path: Path) -> list[tuple[int, str]]:
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


@rule("MC603", "consent-missing", phase=1, summary="Phase 1 records no data-handling consent (who gave it, and when).",
      hint="Ask the consent question of AGENTS.md Step 3, then record business_context.consent: {given_by: name and role, date: YYYY-MM-DD}.")
def consent_missing(ctx):
    bc = ctx.doc.get("business_context")
    if not isinstance(bc, dict) or "business_context" in ctx.broken_keys:
        if ctx.mode == "project" and ctx.phase_status(1) in ("complete", "in_progress"):
            pf = next(pf for pf in ctx.files if pf.n == 1)
            yield Hit(pf.label, pf.parsed.blocks[0].line if pf.parsed.blocks else 1, "phase 1", "no business_context, so no consent record")
        elif ctx.mode == "export":
            yield Hit(*ctx.at(ctx.doc, "schema_version"), "", "no business_context, so no consent record")
        return
    consent = bc.get("consent")
    if not isinstance(consent, dict) or not all(str(consent.get(k, "")).strip() for k in ("given_by", "date")):
        yield Hit(*ctx.at(bc, "consent" if "consent" in bc else None), "", "business_context.consent must say who consented (given_by) and when (date)")
