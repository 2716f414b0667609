"""`maestro migrate`: bring a saved threat model up to the current knowledge base and external editions.

What it changes, and nothing else: LLM Top 10 IDs written without an edition in a model made before
editions were cited (they meant the 2025 list) get ":2025"; MITRE ATLAS IDs retired by a later edition
become their successor; external entries written under a former name get the current name; a residual
record without an effective risk gets the computed one; schema and knowledge-base versions are updated.
Every change is listed; files are rewritten atomically with the previous version kept as <name>.bak;
a second run changes nothing.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from . import assessment, engagement, project, safeio, yamlio
from .checks.context import walk_strings
from .checks.editions import former_names
from .kb import KB

EDITIONS_VERSION = (1, 1, 0)  # the first knowledge base that cites LLM Top 10 entries with their edition
_BARE_LLM = re.compile(r"(?<![\w.\-/#])(LLM(?:0[1-9]|10))(?![\w\-:])")


@dataclass(frozen=True)
class Change:
    file: str
    line: int
    what: str
    old: str
    new: str

    def __str__(self):
        return f"{self.file}:{self.line}: {self.what}: {self.old} -> {self.new}"

    def as_dict(self):
        return asdict(self)


def _version(text) -> tuple:
    try:
        return tuple(int(x) for x in str(text).split(".")[:3])
    except ValueError:
        return (0, 0, 0)


def _retired_rx(kb: KB):
    ids = sorted(kb.atlas_retired, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(" + "|".join(re.escape(i) for i in ids) + r")(?![\w]|\.[0-9])") if ids else None


def _revoked(kb: KB) -> dict:
    return {i: e["revoked"]["replaced_by"] for table in (kb.threats, kb.blindspots, kb.mitigations)
            for i, e in table.items() if kb.status_of(i) == "revoked"}


def rewrite_line(kb: KB, line: str, assume_2025: bool) -> tuple[str, list[tuple[str, str, str]]]:
    """One line with every migration applied, and (what, old, new) for each change."""
    changes = []
    if assume_2025:
        def qualify(m):
            changes.append(("LLM Top 10 edition", m.group(1), m.group(1) + ":2025"))
            return m.group(1) + ":2025"
        line = _BARE_LLM.sub(lambda m: qualify(m) if f"{m.group(1)}:2025" in kb.llm else m.group(0), line)
    rx = _retired_rx(kb)
    if rx:
        def succeed(m):
            new = kb.atlas_retired[m.group(1)]["replaced_by"]
            changes.append((f"retired in ATLAS {kb.atlas_retired[m.group(1)]['retired_in']}", m.group(1), new))
            return new
        line = rx.sub(succeed, line)
    for ident, new in _revoked(kb).items():
        pattern = re.compile(r"(?<![\w./#-])" + re.escape(ident) + r"(?![\w-])")
        if pattern.search(line):
            line = pattern.sub(new, line)
            changes.append(("revoked MAESTRO ID", ident, new))
    for old, (ident, new) in former_names(kb).items():
        if old in line and ident in line and new not in line:
            line = line.replace(old, new)
            changes.append((f"renamed ({ident})", old, new))
    return line, changes


def _rewrite_text(kb, text, label, assume_2025):
    out, changes = [], []
    for n, line in enumerate(text.split("\n"), 1):
        new, found = rewrite_line(kb, line, assume_2025)
        out.append(new)
        changes += [Change(label, n, w, o, nw) for w, o, nw in found]
    return "\n".join(out), changes


# ------------------------------------------------------------------ threat-model.json
def _rewrite_strings(node, fn):
    if isinstance(node, str):
        return fn(node)
    if isinstance(node, dict):
        return {k: _rewrite_strings(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_strings(v, fn) for v in node]
    return node


def migrate_doc(kb: KB, path: Path) -> tuple[str | None, list[Change]]:
    """The migrated text of one threat-model.json (None when nothing changes) and the changes."""
    raw = engagement.read_text(path)
    doc = engagement.read_doc(path)
    label = str(path)
    assume_2025 = _version(doc.get("kb_version", "0")) < EDITIONS_VERSION
    changes = []
    for file, n, s in walk_strings(doc, label):
        _, found = rewrite_line(kb, s, assume_2025)
        changes += [Change(label, n, w, o, nw) for w, o, nw in found]
    plain = _rewrite_strings(yamlio.plain(doc), lambda s: rewrite_line(kb, s, assume_2025)[0])
    for key, want in (("schema_version", engagement.SCHEMA_VERSION), ("kb_version", kb.version)):
        if plain.get(key) != want:
            changes.append(Change(label, doc.key_lines.get(key, 1), key, str(plain.get(key, "(none)")), want))
            plain[key] = want
    changes += _fill_effective_risk(kb, plain, doc, label)
    if not changes:
        return None, []
    indent = len(re.match(r"\{\n( *)", raw).group(1)) if re.match(r"\{\n( *)", raw) else 2
    return json.dumps(plain, indent=indent or 2, ensure_ascii=False) + "\n", changes


def _fill_effective_risk(kb, plain, doc, label):
    postures = assessment.assess(kb, plain)
    changes = []
    for i, r in enumerate(plain.get("residual_risks", []) or []):
        if isinstance(r, dict) and "effective_risk" not in r and r.get("threat") in postures:
            r["effective_risk"] = postures[r["threat"]].effective
            line = doc["residual_risks"].item_lines[i] if hasattr(doc.get("residual_risks"), "item_lines") else 1
            changes.append(Change(label, line, f"effective risk of {r.get('id', '?')} (was missing)", "(none)", f"{r['effective_risk']:g}"))
    return changes


# ------------------------------------------------------------------ project folders
def _missing_effective_lines(kb, pf: project.PhaseFile, text: str, postures) -> tuple[str, list[Change]]:
    """Insert `effective_risk:` into block-style residual records of Phase 9 that lack it."""
    rec = pf.record or {}
    lines, changes, inserts = text.split("\n"), [], []
    for r in rec.get("residual_risks", []) or []:
        if isinstance(r, dict) and "effective_risk" not in r and r.get("threat") in postures and "residual" in getattr(r, "key_lines", {}):
            n = r.key_lines["residual"]
            indent = re.match(r"^(\s*(?:- )?)", lines[n - 1]).group(1).replace("-", " ")
            if lines[n - 1].lstrip().startswith("{"):
                continue  # a flow-style record: left for the user, reported by `maestro check`
            inserts.append((n, f"{indent}effective_risk: {postures[r['threat']].effective:g}", r.get("id", "?")))
    for n, new, rid in sorted(inserts, reverse=True):
        lines.insert(n - 1, new)
    for n, new, rid in sorted(inserts):
        changes.append(Change(pf.label, n, f"effective risk of {rid} (was missing)", "(none)", new.strip().split(": ")[1]))
    return "\n".join(lines), changes


def plan_project(kb: KB, folder: Path) -> tuple[dict, list[Change]]:
    """{path: new text} for every file of a project that changes, and the changes."""
    state = project.read_state(kb, folder)
    assume_2025 = _version(state["version_metadata"].get("playbook_version", "0")) < EDITIONS_VERSION
    files = project.read_phase_files(kb, folder, state)
    postures = assessment.assess(kb, yamlio.plain(project.assemble(kb, state, files)))
    writes, changes = {}, []
    for pf in files:
        if not pf.exists:
            continue
        text, found = _rewrite_text(kb, pf.text, pf.label, assume_2025)
        if pf.n == 9:
            text, more = _missing_effective_lines(kb, pf, text, postures)
            found += more
        if found:
            writes[pf.path], changes = text, changes + found
    if state["version_metadata"].get("playbook_version") != kb.version:
        old = state["version_metadata"].get("playbook_version", "?")
        state["version_metadata"]["playbook_version"] = kb.version
        state["version_metadata"].setdefault("migrations", []).append({"from": old, "to": kb.version, "date": project.now()})
        writes[folder / "state.json"] = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
        changes.append(Change(str(folder / "state.json"), 1, "knowledge-base version", old, kb.version))
    tm = folder / "threat-model.json"
    if tm.exists():
        text, found = migrate_doc(kb, tm)
        if text is not None:
            writes[tm], changes = text, changes + found
    return writes, changes


def apply(writes: dict) -> None:
    """Write each file atomically, keeping <name>.bak; an export that was stale stays stale."""
    tm = next((p for p in writes if p.name == "threat-model.json"), None)
    stale = tm is not None and any(p.stat().st_mtime > tm.stat().st_mtime for p in tm.parent.glob("[01][0-9]-*.md"))
    times = (tm.stat().st_atime, tm.stat().st_mtime) if tm is not None else None
    for path in sorted(writes, key=lambda p: p.name == "threat-model.json"):
        project.write_atomic(path, writes[path])
    if stale:
        os.utime(tm, times)


def migrate(kb: KB, path: Path, dry_run: bool = False) -> list[Change]:
    """Plan (and unless ``dry_run`` write) the migration of a project folder or a threat-model.json; a folder's
    plan and writes happen under the project's lock."""
    hold = safeio.locked(path) if path.is_dir() and not dry_run else contextlib.nullcontext()
    with hold:
        if path.is_dir():
            writes, changes = plan_project(kb, path)
        else:
            text, changes = migrate_doc(kb, path)
            writes = {path: text} if text is not None else {}
        if not dry_run:
            apply(writes)
    return changes
