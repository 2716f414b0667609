"""Engagement projects on disk: threat-models/<name>/ with state.json and one file per phase.

state.json is written atomically (temporary file + rename) and never overwritten when it is
unreadable or invalid. Phase files are created once and never replaced: whatever the user or
the agent wrote in them is theirs.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
from dataclasses import dataclass, field
import os
import re
import shutil
from pathlib import Path

import yaml

from . import engagement, jsonschema_check, phasefile, safeio, yamlio
from .findings import Finding
from .kb import KB

NAME_RX = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # used with fullmatch: no trailing newline slips through
PHASE_KEYS = phasefile.PHASE_KEYS


class ProjectError(Exception):
    """A project cannot be used as asked (bad name, existing folder, broken state.json)."""


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def default_prefix(name: str) -> str:
    parts = [p for p in name.split("-") if p]
    guess = "".join(p[0] for p in parts).upper() if len(parts) > 1 else name[:6].upper()
    guess = re.sub(r"[^A-Z0-9]", "", guess)
    if not guess or not guess[0].isalpha():
        guess = "P" + guess
    return (guess + "X")[:16] if len(guess) < 2 else guess[:16]


def depth_from_answers(kb: KB, answers: list[bool]) -> tuple[str, list[str]]:
    """Depth and layers in scope from the yes/no answers, by the rules in data/depth.yaml (changelog D23).

    The first question answered yes sets the depth it names (yes_means); no yes at all gives the depth
    that no question names. A yes to a question that adds all layers widens the scope to every layer.
    """
    questions = kb.depth["questions"]
    if len(answers) != len(questions):
        raise ProjectError(f"expected {len(questions)} answers, got {len(answers)}")
    depths = {d["key"]: d for d in kb.depth["depths"]}
    named = {q["yes_means"] for q in questions}
    key = next((q["yes_means"] for q, a in zip(questions, answers) if a), next(k for k in depths if k not in named))
    layers = list(depths[key]["layers"])
    if kb.depth["rules"]["multi_agent_adds_all_layers"] and any(a and q.get("adds_all_layers") for q, a in zip(questions, answers)):
        layers = [layer for layer in kb.layers]  # every layer and the cross-layer dimension, in layer order
    return key, layers

def write_atomic(path: Path, text: str, backup: bool = True) -> None:
    """Replace ``path`` with ``text`` atomically, never through a symlink; the previous version is kept as ``<name>.bak``."""
    safeio.write_atomic(path, text, backup)


def write_json_atomic(path: Path, doc, backup: bool = True) -> None:
    try:
        text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as exc:  # NaN or infinity: not JSON, so never written as if it were
        raise ProjectError(f"{path}: not written: {exc}") from None
    write_atomic(path, text, backup)


def project_folder(name: str, base: str | Path | None = None) -> Path:
    """The folder of project ``name`` (or of the path ``name`` names), refused unless it is a real folder inside its base.

    The base is ``base`` (``--dir``), else ``threat-models``; a path to an existing project folder is taken
    as it is, with its parent as the base. A folder that is a symlink, or that resolves outside its base,
    is refused: every command that writes to a project writes only inside it.
    """
    given = Path(name)
    if given.is_dir() and (given / "state.json").exists():
        folder, top = given, given.parent
    else:
        top = Path(base or "threat-models")
        folder = top / name
    if os.path.islink(folder) or not safeio.inside(folder, top):
        raise ProjectError(f"{folder}: the project folder must be a real folder inside {top}, not a link to somewhere else")
    return folder


def project_file(folder: Path, name: str) -> Path:
    """``folder/name``, refused when it is a symlink or resolves outside the project folder."""
    path = folder / name
    if os.path.islink(path) or not safeio.inside(path, folder):
        raise ProjectError(f"{path}: refused: a project file must be a regular file inside {folder}, not a link")
    return path


def read_state(kb: KB, folder: Path) -> dict:
    """state.json, validated; ProjectError (never an overwrite) when missing, unreadable or invalid."""
    path = project_file(folder, "state.json")
    backup = path.with_name("state.json.bak")
    recover = (f"; the previous version is in {backup}: check it, then `cp {backup} {path}`" if backup.exists()
               else "; fix it by hand, or start again with `maestro new` in another folder")
    if not path.exists():
        raise ProjectError(f"{path}: no such project file; create the project with `maestro new {folder.name}`"
                           + (f" (or restore {backup})" if backup.exists() else ""))
    try:
        doc = engagement.read_doc(path)
    except engagement.Unusable as exc:
        raise ProjectError(f"{exc}; state.json was left untouched{recover}") from None
    problems = state_errors(kb, doc, str(path))
    if problems:
        raise ProjectError("state.json is invalid and was left untouched" + recover + ":\n  " + "\n  ".join(str(p) for p in problems))
    return yamlio.plain(doc)


STATE_RULE = "MC113"  # the check rule that reports these errors (checks/structure.py, state-invalid)


def state_errors(kb: KB, doc, fname: str) -> list[Finding]:
    """What makes a state.json document invalid: its schema errors, else each phase whose output_file is not the one
    the knowledge base names. Findings of STATE_RULE, without a hint (the rule's registration carries it)."""
    schema = engagement.state_schema(kb)
    out = [Finding(e.src or fname, e.line, e.ident if e.ident and not e.ident.isdigit() else "", e.message, "error", STATE_RULE)
           for e in jsonschema_check.schema_errors(doc, schema, keys=("id",))]
    return out or [Finding(fname, line, f"phase {key}", f"output_file should be {want}", "error", STATE_RULE)
                   for key, line, want in _misnamed_outputs(kb, doc)]


def _misnamed_outputs(kb: KB, doc):
    """(phase key, line, expected name) of every phase of a schema-valid state.json whose output_file is not its own."""
    for key, ph in doc["phases"].items():
        if key == "10j":
            continue
        want = kb.phases[int(key)]["output_file"]
        if ph["output_file"] != want:
            yield key, (ph.key_lines.get("output_file", 1) if hasattr(ph, "key_lines") else 1), want


def skeleton(kb: KB, n: int, project: str, prefix: str) -> str:
    p = kb.phases[n]
    lines = [f"# Phase {n}: {p['name']}", "", f"Project: {project}", "", f"> {p['objective']}", "", "## Inputs", ""]
    lines += [f"- {x}" for x in p["inputs"]] + ["", "## Steps", ""]
    lines += [f"{i}. {s}" for i, s in enumerate(p["steps"], 1)] + [""]
    for tname in p["templates"]:
        t = next(t for t in kb.templates.values() if t["name"] == tname)
        # the template's fields are on the site and in the workshop kit; the skeleton names the template and its IDs only
        lines += [f"## {t['name']}", "", t["purpose"] + (f" IDs: {t['id_format'].replace('<PROJ>', prefix)}." if t.get("id_format") else ""), ""]
    lines += ["## Findings", "", "(Write the analysis for this phase here.)", "",
              "## Structured record", "",
              "Keep this block valid YAML; `maestro export` reads it into threat-model.json. Keys: "
              + ", ".join(PHASE_KEYS[n]) + ".", "",
              "```yaml maestro", *[f"{k}: {'[]' if k not in _SCALAR_KEYS else _empty(k)}" for k in PHASE_KEYS[n]],
              "```", "", "---", "", f"*{engagement.DISCLAIMER}*", ""]
    return "\n".join(lines)


_SCALAR_KEYS = ("business_context", "summary", "system_type", "uses_mcp", "scope", "not_applicable")  # record keys that hold no list


def _empty(k):
    return {"business_context": "{}", "summary": "{}", "system_type": "unknown", "uses_mcp": "false", "scope": '""', "not_applicable": "{}"}[k]


def resolve_depth(kb: KB, depth: str | None, answers: list[bool] | None, reason: str | None) -> tuple[str, list[str], str]:
    """Depth, layer scope and the reason for a depth other than the answers give (AGENTS.md Step 1).

    The answers decide the depth and the layers; ``--depth`` may choose deeper, or shallower with a
    reason. A multi-agent answer keeps every layer in scope whatever the depth.
    """
    depths = {d["key"]: d for d in kb.depth["depths"]}
    if depth is not None and depth not in depths:
        raise ProjectError(f"unknown depth {depth!r}; use one of {', '.join(depths)}")
    if answers is None:
        key = depth or "full"
        return key, list(depths[key]["layers"]), reason or ""
    derived, layers = depth_from_answers(kb, answers)
    if depth is None or depth == derived:
        return derived, layers, reason or ""
    order = [d["key"] for d in kb.depth["depths"]]  # deepest first
    if order.index(depth) > order.index(derived) and not reason:
        raise ProjectError(f"the answers give depth {derived}; going shallower to {depth} needs --reason (the user's say-so)")
    layers = list(depths[depth]["layers"])
    if depth_from_answers(kb, answers)[1] == list(kb.layers):  # the multi-agent answer keeps every layer in scope
        layers = list(kb.layers)
    return depth, layers, reason or f"user chose {depth} over the {derived} the answers give"


def new_project(kb: KB, name: str, base: Path, depth: str | None = None, answers: list[bool] | None = None,
                prefix: str | None = None, analyst: str = "AI assistant", reason: str | None = None) -> Path:
    if not isinstance(name, str) or not NAME_RX.fullmatch(name):
        raise ProjectError(f"project name {name!r} must be 1-63 lowercase letters, digits and hyphens")
    prefix = prefix or default_prefix(name)
    if not re.fullmatch(engagement.PREFIX, prefix) or engagement.foreign_prefix(prefix):
        raise ProjectError(f"prefix {prefix!r} must be 2-16 uppercase letters/digits and not look like a taxonomy ID"
                           + (f": it reads as {engagement.foreign_prefix(prefix)}" if engagement.foreign_prefix(prefix) else ""))
    if not isinstance(analyst, str) or re.search(r"[\x00-\x1f\x7f]", analyst):
        raise ProjectError("analyst name must be one line of text without control characters")
    folder = base / name
    if os.path.lexists(folder):
        raise ProjectError(f"{folder} already exists; nothing was changed (use `maestro status {name}`)")
    depth, layers, depth_reason = resolve_depth(kb, depth, answers, reason)
    state = _new_state(kb, name, prefix, depth, layers, depth_reason, answers, analyst)
    try:
        base.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    except OSError as exc:
        raise ProjectError(f"{folder}: cannot create the project folder ({exc.strerror or exc})") from None
    try:
        for n, p in kb.phases.items():
            safeio.write_atomic(folder / p["output_file"], skeleton(kb, n, name, prefix), backup=False)
        write_json_atomic(folder / "state.json", state)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half-made is left behind; the folder was new
        raise
    return folder


def _new_state(kb: KB, name: str, prefix: str, depth: str, layers: list[str], depth_reason: str,
               answers: list[bool] | None, analyst: str) -> dict:
    """The state.json of a new project."""
    skipped = set(kb.docs["phases"]["flow"]["lightweight_skipped"]) if depth == "lightweight" else set()
    ts = now()
    state = {
        "project": name, "prefix": prefix, "analysis_depth": depth, "layer_scope": layers, "created": ts, "updated": ts,
        "phases": {str(n): {"status": "skipped" if n in skipped else "pending", "output_file": p["output_file"]} for n, p in kb.phases.items()},
        "system_type": "unknown", "uses_mcp": False, "threat_count": 0, "mitigation_count": 0,
        "playbook_git_hash": "", "files_read": [],
        "version_metadata": {"playbook_version": kb.version, "analyst": analyst, "schema_version": engagement.STATE_SCHEMA_VERSION},
    }
    if depth_reason:
        state["depth_reason"] = depth_reason
    state["phases"]["10j"] = {"status": "pending", "output_file": "threat-model.json"}
    if answers is not None:
        state["depth_answers"] = {str(i + 1): bool(a) for i, a in enumerate(answers)}
    return state


def prerequisites(kb: KB, n: int) -> list[int]:
    """Every phase that must be done before phase ``n``, direct or transitive, in order."""
    seen: set[int] = set()
    todo = list(kb.phases[n]["depends_on"])
    while todo:
        d = todo.pop()
        if d not in seen:
            seen.add(d)
            todo.extend(kb.phases[d]["depends_on"])
    return sorted(seen)


def may_skip(kb: KB, state: dict, n: int) -> bool:
    """Whether phase ``n`` may be skipped in this project: lightweight's 3-5, or a phase skippable with a reason."""
    flow = kb.docs["phases"]["flow"]
    return (state["analysis_depth"] == "lightweight" and n in flow["lightweight_skipped"]) or n in flow["skippable_with_reason"]


def _done(kb: KB, state: dict, n: int) -> bool:
    st = state["phases"][str(n)]["status"]
    return st == "complete" or (st == "skipped" and may_skip(kb, state, n))


def next_phase(kb: KB, state: dict) -> int | None:
    """First phase not yet done whose prerequisites are all done."""
    for n in sorted(kb.phases):
        if not _done(kb, state, n) and all(_done(kb, state, d) for d in prerequisites(kb, n)):
            return n
    return None


def mark(kb: KB, folder: Path, phase: str, status: str, reason: str | None = None) -> dict:
    with safeio.locked(folder):
        return _mark(kb, folder, phase, status, reason)


def _mark(kb: KB, folder: Path, phase: str, status: str, reason: str | None) -> dict:
    state = read_state(kb, folder)
    if phase not in state["phases"]:
        raise ProjectError(f"unknown phase {phase!r}; use 1..10 or 10j")
    if status not in engagement.PHASE_STATUSES:
        raise ProjectError(f"unknown status {status!r}; use one of {', '.join(engagement.PHASE_STATUSES)}")
    if phase == "10j" and status in ("complete", "skipped"):
        raise ProjectError("threat-model.json is marked complete by `maestro export`, never by hand")
    if phase != "10j":
        _may_mark(kb, state, int(phase), status, reason)
    entry = state["phases"][phase]
    entry["status"] = status
    entry["updated"] = now()
    if reason:
        entry["reason"] = reason
    elif "reason" in entry and status not in ("error", "skipped"):
        del entry["reason"]
    if phase == "2" and status == "complete":
        sync_architecture(kb, folder, state)
    state["updated"] = now()
    write_json_atomic(project_file(folder, "state.json"), state)
    return state


def _may_mark(kb: KB, state: dict, n: int, status: str, reason: str | None) -> None:
    if status == "skipped" and not may_skip(kb, state, n):
        raise ProjectError(f"phase {n} cannot be skipped at {state['analysis_depth']} depth")
    if status == "skipped" and n in kb.docs["phases"]["flow"]["skippable_with_reason"] and not reason:
        raise ProjectError(f"skipping phase {n} needs --reason (for Phase 8: \"no source access\")")
    if status == "error" and not reason:
        raise ProjectError("marking a phase error needs --reason")
    if status in ("in_progress", "complete"):
        missing = [d for d in prerequisites(kb, n) if not _done(kb, state, d)]
        if missing:
            raise ProjectError(f"phase {n} needs phase(s) {', '.join(map(str, missing))} complete first"
                               + (" (or skipped, where this depth allows it)" if any(may_skip(kb, state, d) for d in missing) else ""))


def sync_architecture(kb: KB, folder: Path, state: dict) -> None:
    """Copy Phase 2's system_type and uses_mcp into state.json, so the two never disagree."""
    p = folder / state["phases"]["2"]["output_file"]
    rec = read_phase_file(2, p, "complete").record or {}
    if rec.get("system_type") in ("single-agent", "multi-agent", "unknown"):
        state["system_type"] = rec["system_type"]
    if isinstance(rec.get("uses_mcp"), bool):
        state["uses_mcp"] = rec["uses_mcp"]


@dataclass
class PhaseFile:
    """One phase file as read from disk: its text, parsed record blocks and loaded record."""
    n: int
    path: Path
    status: str
    exists: bool = False
    text: str = ""
    parsed: phasefile.Parsed = field(default_factory=phasefile.Parsed)
    record: dict | None = None            # the first record block, loaded (LDict with positions)
    error: tuple[int, str] | None = None  # (line, message) when that block is not a YAML mapping

    @property
    def label(self) -> str:
        return str(self.path)


def read_phase_file(n: int, path: Path, status: str, text: str | None = None) -> PhaseFile:
    """Read and parse one phase file (``text``, when given, is parsed as its content instead: `maestro migrate` parses
    the text it is about to write); Unusable when it cannot be read as UTF-8 text or lies outside its project."""
    pf = PhaseFile(n, path, status)
    if not os.path.lexists(path):
        return pf
    if not safeio.inside(path, path.parent):  # a link out of the project is refused, its target never read
        raise engagement.Unusable(f"{path}: refused: it links outside the project folder; only files inside it are read")
    pf.exists, pf.text = True, engagement.read_text(path) if text is None else text
    pf.parsed = phasefile.parse(pf.text)
    if not pf.parsed.blocks:
        return pf
    block = pf.parsed.blocks[0]
    try:
        data = yamlio.load_text(block.body, pf.label, block.body_line)
    except yamlio.Refused as exc:  # hostile input: the whole command stops, with the file and line
        raise engagement.Unusable(f"{path}:{block.body_line + exc.problem_mark.line}: refused: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark_ = getattr(exc, "problem_mark", None)
        pf.error = (block.body_line + (mark_.line if mark_ else 0), f"record block is not valid YAML: {getattr(exc, 'problem', exc)}")
        return pf
    if data is None:
        data = yamlio.LDict()
        data.line, data.key_lines, data.src = block.line, {}, pf.label
    if not isinstance(data, dict):
        pf.error = (block.line, "record block must be a YAML mapping of the phase's keys")
        return pf
    pf.record = data
    return pf


def read_phase_files(kb: KB, folder: Path, state: dict) -> list[PhaseFile]:
    return [read_phase_file(int(key), folder / ph["output_file"], ph["status"])
            for key, ph in state["phases"].items() if key != "10j"]


def merge_records(files: list[PhaseFile]) -> yamlio.LDict:
    """The records of every phase file in one mapping that remembers each key's file and line."""
    merged = yamlio.LDict()
    merged.line, merged.key_lines, merged.key_srcs = 1, {}, {}
    for pf in files:
        for k, v in (pf.record or {}).items():
            if k not in phasefile.PHASE_KEYS[pf.n] or v in ([], {}, "", None):
                continue
            merged[k] = v
            merged.key_lines[k] = pf.record.key_lines.get(k, 1)
            merged.key_srcs[k] = pf.label
    return merged


def assemble(kb: KB, state: dict, files: list[PhaseFile]) -> dict:
    """threat-model.json as `maestro export` writes it: header from state.json, records from the phase files."""
    merged = merge_records(files)
    doc = yamlio.LDict({"schema_version": engagement.SCHEMA_VERSION, "project": state["project"],
                        "prefix": state.get("prefix") or default_prefix(state["project"]), "kb_version": kb.version,
                        "generated": now(), "analyst": state["version_metadata"].get("analyst", ""),
                        "analysis_depth": state["analysis_depth"], "system_type": state.get("system_type", "unknown"),
                        "uses_mcp": state.get("uses_mcp", False), "disclaimer": engagement.DISCLAIMER, "threats": [], "mitigations": []})
    if state.get("layer_scope"):
        doc["layer_scope"] = list(state["layer_scope"])
    doc["phase_status"] = {str(n): state["phases"][str(n)]["status"] for n in kb.phases}
    doc["sources"] = source_digests(files)
    doc.line, doc.key_lines, doc.key_srcs = 1, dict(merged.key_lines), dict(merged.key_srcs)
    doc.update(merged)
    return doc


def export(kb: KB, folder: Path) -> tuple[dict, list[PhaseFile]]:
    state = read_state(kb, folder)
    files = read_phase_files(kb, folder, state)
    return assemble(kb, state, files), files


def source_digests(files: list[PhaseFile]) -> dict[str, str]:
    """SHA-256 of each phase file's text, by file name: what an export was built from. A copy of the folder keeps
    them; an edit changes them (file times do neither reliably)."""
    return {pf.path.name: hashlib.sha256(pf.text.encode("utf-8")).hexdigest() for pf in files if pf.exists}


def count_records(doc: dict) -> tuple[int, int]:
    return len(doc.get("threats", []) or []), len(doc.get("mitigations", []) or [])

