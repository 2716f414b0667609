"""Engagement projects on disk: threat-models/<name>/ with state.json and one file per phase.

state.json is written atomically (temporary file + rename) and never overwritten when it is
unreadable or invalid. Phase files are created once and never replaced: whatever the user or
the agent wrote in them is theirs.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
import tempfile
from pathlib import Path

import yaml

from . import engagement, yamlio
from .kb import KB

NAME_RX = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
BLOCK_RX = re.compile(r"^```ya?ml maestro[ \t]*\n(.*?)^```[ \t]*$", re.S | re.M)
PHASE_KEYS = {  # which threat-model.json keys each phase file's yaml block may hold
    1: ["business_context", "assumptions", "scope"],
    2: ["components", "system_type", "uses_mcp"],
    3: ["threat_actors"],
    4: ["trust_zones", "trust_boundaries"],
    5: ["assets", "data_flows"],
    6: ["threats", "attack_chains"],
    7: ["mitigations"],
    8: ["code_validation"],
    9: ["residual_risks"],
    10: ["roadmap", "summary"],
}


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
    """Depth and layers in scope from the five yes/no answers (data/depth.yaml, changelog D23)."""
    if len(answers) != len(kb.depth["questions"]):
        raise ProjectError(f"expected {len(kb.depth['questions'])} answers, got {len(answers)}")
    depths = {d["key"]: d for d in kb.depth["depths"]}
    if answers[0] or answers[1]:
        key = "full"
    elif any(answers[2:]):
        key = "standard"
    else:
        key = "lightweight"
    layers = list(depths[key]["layers"])
    if answers[4] and kb.depth["rules"]["multi_agent_adds_all_layers"]:
        layers = list(depths["full"]["layers"])
    return key, layers


def write_json_atomic(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".state-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_state(kb: KB, folder: Path) -> dict:
    """state.json, validated; ProjectError (never an overwrite) when unreadable or invalid."""
    path = folder / "state.json"
    try:
        doc = engagement.read_doc(path)
    except engagement.Unusable as exc:
        raise ProjectError(f"{exc}; state.json was left untouched") from None
    problems = engagement.check_state(kb, doc, str(path))
    if problems:
        raise ProjectError("state.json is invalid and was left untouched:\n  " + "\n  ".join(str(p) for p in problems))
    return yamlio.plain(doc)


def skeleton(kb: KB, n: int, project: str, prefix: str) -> str:
    p = kb.phases[n]
    lines = [f"# Phase {n}: {p['name']}", "", f"Project: {project}", "", f"> {p['objective']}", "", "## Inputs", ""]
    lines += [f"- {x}" for x in p["inputs"]] + ["", "## Steps", ""]
    lines += [f"{i}. {s}" for i, s in enumerate(p["steps"], 1)] + [""]
    for tname in p["templates"]:
        t = next(t for t in kb.templates.values() if t["name"] == tname)
        lines += [f"## {t['name']}", "", t["purpose"] + (f" IDs: {t['id_format'].replace('<PROJ>', prefix)}." if t.get("id_format") else ""), ""]
        if t.get("fields"):
            lines += ["| Field | Allowed values / guidance | Value |", "|---|---|---|"]
            for f in t["fields"]:
                guide = "; ".join(f.get("values", [])) or f.get("hint", "")
                lines.append(f"| {f['name']} | {guide.replace('<PROJ>', prefix).replace('DEVOPS-', prefix + '-')} |  |")
            lines.append("")
    lines += ["## Findings", "", "(Write the analysis for this phase here.)", "",
              "## Structured record", "",
              "Keep this block valid YAML; `maestro export` reads it into threat-model.json. Keys: "
              + ", ".join(PHASE_KEYS[n]) + ".", "",
              "```yaml maestro", *[f"{k}: {'[]' if k not in ('business_context', 'summary', 'system_type', 'uses_mcp', 'scope') else _empty(k)}" for k in PHASE_KEYS[n]],
              "```", "", "---", "", f"*{engagement.DISCLAIMER}*", ""]
    return "\n".join(lines)


def _empty(k):
    return {"business_context": "{}", "summary": "{}", "system_type": "unknown", "uses_mcp": "false", "scope": '""'}[k]


def new_project(kb: KB, name: str, base: Path, depth: str | None = None, answers: list[bool] | None = None,
                prefix: str | None = None, analyst: str = "AI assistant") -> Path:
    if not NAME_RX.match(name):
        raise ProjectError(f"project name {name!r} must be lowercase letters, digits and hyphens")
    prefix = prefix or default_prefix(name)
    if not re.fullmatch(engagement.PREFIX, prefix) or re.fullmatch(r"T[0-9]*|BV|CL|L[1-7]", prefix):
        raise ProjectError(f"prefix {prefix!r} must be 2-16 uppercase letters/digits and not look like a taxonomy ID")
    folder = base / name
    if folder.exists():
        raise ProjectError(f"{folder} already exists; nothing was changed (use `maestro status {name}`)")
    layers = None
    if answers is not None:
        depth, layers = depth_from_answers(kb, answers)
    depth = depth or "full"
    if depth not in {d["key"] for d in kb.depth["depths"]}:
        raise ProjectError(f"unknown depth {depth!r}")
    skipped = set(kb.docs["phases"]["flow"]["lightweight_skipped"]) if depth == "lightweight" else set()
    folder.mkdir(parents=True)
    for n, p in kb.phases.items():
        (folder / p["output_file"]).write_text(skeleton(kb, n, name, prefix), encoding="utf-8")
    ts = now()
    state = {
        "project": name, "prefix": prefix, "analysis_depth": depth, "created": ts, "updated": ts,
        "phases": {str(n): {"status": "skipped" if n in skipped else "pending", "output_file": p["output_file"]} for n, p in kb.phases.items()},
        "system_type": "unknown", "uses_mcp": False, "threat_count": 0, "mitigation_count": 0,
        "playbook_git_hash": "", "files_read": [],
        "version_metadata": {"playbook_version": kb.version, "analyst": analyst, "schema_version": engagement.STATE_SCHEMA_VERSION},
    }
    state["phases"]["10j"] = {"status": "pending", "output_file": "threat-model.json"}
    if answers is not None:
        state["depth_answers"] = {str(i + 1): bool(a) for i, a in enumerate(answers)}
    write_json_atomic(folder / "state.json", state)
    return folder


def next_phase(kb: KB, state: dict) -> int | None:
    """First phase whose dependencies are complete (or skipped) and that is not yet done."""
    done = {int(k) for k, v in state["phases"].items() if k != "10j" and v["status"] in ("complete", "skipped")}
    for n in sorted(kb.phases):
        if n in done:
            continue
        if all(d in done for d in kb.phases[n]["depends_on"]):
            return n
    return None


def mark(kb: KB, folder: Path, phase: str, status: str, reason: str | None = None) -> dict:
    state = read_state(kb, folder)
    if phase not in state["phases"]:
        raise ProjectError(f"unknown phase {phase!r}; use 1..10 or 10j")
    allowed = {"pending", "in_progress", "complete", "skipped", "error"}
    if status not in allowed:
        raise ProjectError(f"unknown status {status!r}; use one of {', '.join(sorted(allowed))}")
    if status in ("in_progress", "complete") and phase != "10j":
        n = int(phase)
        open_deps = [d for d in kb.phases[n]["depends_on"]
                     if state["phases"][str(d)]["status"] not in ("complete", "skipped")]
        if open_deps:
            raise ProjectError(f"phase {n} needs phase(s) {', '.join(map(str, open_deps))} first")
    entry = state["phases"][phase]
    entry["status"] = status
    entry["updated"] = now()
    if reason:
        entry["reason"] = reason
    elif "reason" in entry and status != "error":
        del entry["reason"]
    state["updated"] = now()
    write_json_atomic(folder / "state.json", state)
    return state


def blocks(folder: Path, state: dict) -> tuple[dict, list[engagement.Finding]]:
    """Merge the ```yaml maestro blocks of all phase files; findings for broken blocks."""
    merged: dict = {}
    problems = []
    for key, ph in state["phases"].items():
        if key == "10j":
            continue
        path = folder / ph["output_file"]
        if not path.exists():
            if ph["status"] == "complete":
                problems.append(engagement.Finding(str(path), 1, f"phase {key}", "phase is complete but its file is missing"))
            continue
        text = path.read_text(encoding="utf-8")
        for m in BLOCK_RX.finditer(text):
            line = text.count("\n", 0, m.start(1)) + 1
            try:
                data = yamlio.load_text(m.group(1), str(path), line) or {}
            except yaml.YAMLError as exc:
                mark_ = getattr(exc, "problem_mark", None)
                problems.append(engagement.Finding(str(path), line + (mark_.line if mark_ else 0), f"phase {key}", f"structured record is not valid YAML: {getattr(exc, 'problem', exc)}"))
                continue
            if not isinstance(data, dict):
                problems.append(engagement.Finding(str(path), line, f"phase {key}", "structured record must be a mapping"))
                continue
            for k, v in data.items():
                if k not in PHASE_KEYS[int(key)]:
                    problems.append(engagement.Finding(str(path), line, f"phase {key}", f"key {k!r} does not belong in phase {key}; expected {', '.join(PHASE_KEYS[int(key)])}"))
                    continue
                if v in ([], {}, "", None):
                    continue
                merged[k] = v
    return merged, problems


def export(kb: KB, folder: Path) -> tuple[dict, list[engagement.Finding]]:
    state = read_state(kb, folder)
    merged, problems = blocks(folder, state)
    doc = {"schema_version": engagement.SCHEMA_VERSION, "project": state["project"], "prefix": state.get("prefix") or default_prefix(state["project"]),
           "kb_version": kb.version, "generated": now(), "analyst": state["version_metadata"].get("analyst", ""),
           "analysis_depth": state["analysis_depth"], "system_type": state.get("system_type", "unknown"),
           "uses_mcp": state.get("uses_mcp", False), "disclaimer": engagement.DISCLAIMER, "threats": [], "mitigations": []}
    doc.update(merged)
    return doc, problems


def count_records(doc: dict) -> tuple[int, int]:
    return len(doc.get("threats", []) or []), len(doc.get("mitigations", []) or [])

