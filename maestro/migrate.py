"""`maestro migrate`: bring a saved threat model up to the current knowledge base and external editions.

What it changes, and nothing else: records written in the format of an earlier release take the current format
(maestro/formats.py says which release a file follows and holds the conversions; a value it cannot derive becomes a
TO FILL marker that `maestro check` reports); LLM Top 10 IDs written without an edition in a model made before
editions were cited (they meant the 2025 list) get ":2025"; MITRE ATLAS IDs retired by a later edition become their
successor; external entries written under a former name get the current name; schema and knowledge-base versions
are updated. In a project folder the record blocks of the phase files are rewritten in place and the prose around
them is left as it was. Every change is listed; files are rewritten atomically with the previous version kept as
<name>.bak; a second run changes nothing.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from . import engagement, formats, phasefile, project, releases, safeio, skeleton_cleanup, yamlio
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


def _origin(kb: KB, doc, path: Path, kept: dict) -> str:
    """The release whose format ``doc`` follows; Unusable when no release wrote its schema_version."""
    origin = formats.detect_doc(kb, doc, kept)
    if origin is None:
        line = doc.key_lines.get("schema_version", 1) if hasattr(doc, "key_lines") else 1
        raise engagement.Unusable(f"{path}:{line}: schema_version {doc.get('schema_version')!r} is not one that any release "
                                  f"wrote ({', '.join(kept)}); it cannot be migrated")
    return origin


def _notes(notes, doc, label_of) -> list[Change]:
    """Changes for the notes of a conversion, at the line each path had in ``doc`` as read."""
    return [Change(label_of(n.path), yamlio.line_of(doc, n.path), n.what, n.old, n.new) for n in notes]


def migrate_doc(kb: KB, path: Path, kept: dict | None = None, digests: dict | None = None) -> tuple[str | None, list[Change]]:
    """The migrated text of one threat-model.json (None when nothing changes) and the changes. ``digests`` maps a phase
    file rewritten beside it to its (old, new) SHA-256, so an export that recorded the old text records the new one."""
    kept = kept or releases.schemas(kb)
    raw = engagement.read_text(path)
    doc = engagement.read_doc(path)
    label = str(path)
    origin = _origin(kb, doc, path, kept)
    assume_2025 = _version(doc.get("kb_version", "0")) < EDITIONS_VERSION
    changes = []
    for file, n, s in walk_strings(doc, label):
        _, found = rewrite_line(kb, s, assume_2025)
        changes += [Change(label, n, w, o, nw) for w, o, nw in found]
    plain = _rewrite_strings(yamlio.plain(doc), lambda s: rewrite_line(kb, s, assume_2025)[0])
    changes += _notes(formats.convert(kb, plain, origin, formats=kept), doc, lambda p: label)
    for key, want in (("schema_version", engagement.SCHEMA_VERSION), ("kb_version", kb.version)):
        if plain.get(key) != want:
            changes.append(Change(label, doc.key_lines.get(key, 1), key, str(plain.get(key, "(none)")), want))
            plain[key] = want
    changes += _follow_sources(plain, digests or {}, label, doc)
    if not changes:
        return None, []
    indent = len(re.match(r"\{\n( *)", raw).group(1)) if re.match(r"\{\n( *)", raw) else 2
    return json.dumps(plain, indent=indent or 2, ensure_ascii=False) + "\n", changes


def _follow_sources(plain: dict, digests: dict, label: str, doc) -> list[Change]:
    """An export that records the digest of a phase file as it was records the digest of the file as migrated."""
    sources, out = plain.get("sources"), []
    for name, (old, new) in sorted(digests.items()) if isinstance(sources, dict) else []:
        if sources.get(name) == old:
            sources[name] = new
            out.append(Change(label, doc.key_lines.get("sources", 1), f"digest of {name} (migrated with it)", old[:12], new[:12]))
    return out


# ------------------------------------------------------------------ project folders
def _plan_state(kb: KB, folder: Path, kept: dict) -> tuple[dict, str, list[Change]]:
    """state.json converted to the current format, the release it followed, and the changes; ProjectError when even
    the converted state is invalid (it is then left untouched)."""
    from .checks import state_problems
    path = project.project_file(folder, "state.json")
    if not path.exists():
        project.read_state(kb, folder)  # raises the usual "no such project file" error
    doc = engagement.read_doc(path)
    state = yamlio.plain(doc)
    origin = formats.detect_state(kb, state, kept)
    changes = _notes(formats.convert(kb, state, origin, "state", kept), doc, lambda p: str(path))
    problems = state_problems(kb, state, str(path))
    if problems:
        raise project.ProjectError("state.json is invalid and was left untouched:\n  " + "\n  ".join(str(p) for p in problems))
    return state, origin, changes


def _read_phase_files(kb: KB, folder: Path, state: dict, origin: str, kept: dict, assume_2025: bool):
    """The phase files parsed after the text conversions (record-block openers, external IDs), the text of each as it
    is on disk, and the text changes."""
    files, on_disk, changes = [], {}, []
    for pf in project.read_phase_files(kb, folder, state):
        if not pf.exists:
            files.append(pf)
            continue
        on_disk[pf.path] = pf.text
        text, opened = formats.convert_text(pf.text, origin, kept)
        text, found = _rewrite_text(kb, text, pf.label, assume_2025)
        changes += [Change(pf.label, n, "record block opener", old, new) for n, old, new in opened] + found
        files.append(pf if text == pf.text else project.read_phase_file(pf.n, pf.path, pf.status, text))
    return files, on_disk, changes


def _rewritten(pf: project.PhaseFile, merged, plain: dict) -> str:
    """The text of one phase file with its converted records written into its record block in place."""
    changed = {k: plain[k] for k in phasefile.PHASE_KEYS[pf.n]
               if pf.record is not None and k in pf.record and merged.key_srcs.get(k) == pf.label
               and yamlio.plain(pf.record[k]) != plain.get(k)}
    return phasefile.rewrite_records(pf.text, pf.parsed.blocks[0], pf.record, changed) if changed else pf.text


def _plan_records(kb: KB, files: list, origin: str, kept: dict) -> tuple[dict, list[Change]]:
    """{phase file path: new text} for the records that change format, and the changes, at the lines they had."""
    merged = project.merge_records(files)
    plain = yamlio.plain(merged)
    found = formats.detect_records(kb, plain, origin, kept)
    changes = _notes(formats.convert(kb, plain, found, formats=kept), merged, lambda p: merged.key_srcs.get(p[0], "?"))
    return {pf.path: _rewritten(pf, merged, plain) for pf in files if pf.exists}, changes


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_project(kb: KB, folder: Path) -> tuple[dict, list[Change]]:
    """{path: new text} for every file of a project that changes, and the changes."""
    kept = releases.schemas(kb)
    state, origin, changes = _plan_state(kb, folder, kept)
    assume_2025 = _version(state["version_metadata"].get("playbook_version", "0")) < EDITIONS_VERSION
    files, on_disk, found = _read_phase_files(kb, folder, state, origin, kept, assume_2025)
    texts, more = _plan_records(kb, files, origin, kept)
    changes += found + more + _drop_blank_tables(texts)
    writes = {path: text for path, text in texts.items() if text != on_disk[path]}
    changes += _bump_state(kb, folder, state, bool(changes))
    if changes:
        writes[folder / "state.json"] = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
    tm = folder / "threat-model.json"
    if tm.exists():
        digests = {p.name: (_digest(on_disk[p]), _digest(t)) for p, t in writes.items() if p in on_disk}
        text, found = migrate_doc(kb, tm, kept, digests)
        if text is not None:
            writes[tm], changes = text, changes + found
    return writes, changes


def _drop_blank_tables(texts: dict) -> list[Change]:
    """Remove the blank template tables older skeletons copied into every phase file (filled ones stay)."""
    changes = []
    for path, text in texts.items():
        cleaned = skeleton_cleanup.blank_template_tables(text)
        if cleaned != text:
            texts[path] = cleaned
            changes.append(Change(str(path), 1, "blank template tables", "present", "removed (the templates are on the site)"))
    return changes


def _bump_state(kb: KB, folder: Path, state: dict, converted: bool) -> list[Change]:
    """Record the knowledge-base version the project now follows, and the migration, in state.json."""
    old = state["version_metadata"].get("playbook_version", "?")
    if old == kb.version and not converted:
        return []
    state["version_metadata"]["playbook_version"] = kb.version
    state["version_metadata"].setdefault("migrations", []).append({"from": old, "to": kb.version, "date": project.now()})
    return [Change(str(folder / "state.json"), 1, "knowledge-base version", old, kb.version)] if old != kb.version else []


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
