"""Engagement files: JSON Schemas for state.json and threat-model.json, and `check`.

The schemas are derived from the knowledge base (template fields, scales, statuses), so an
engagement is validated against the same vocabulary the site shows. ``check_*`` return
findings with file, line and ID; they never raise on bad input.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import ids, scoring, validation, yamlio
from .kb import KB

SCHEMA_VERSION = "1.0.0"
STATE_SCHEMA_VERSION = "1.1.0"
PHASE_KEYS = [str(n) for n in range(1, 11)] + ["10j"]
PREFIX = r"[A-Z][A-Z0-9]{1,15}"
LOCAL_THREAT = rf"{PREFIX}-T[1-9][0-9]*"
LOCAL_MITIGATION = rf"{PREFIX}-M[1-9][0-9]*"
DISCLAIMER = ("This threat model was produced with the help of an AI assistant. It may be incomplete or wrong; "
              "a qualified person must review it before anyone relies on it.")
TYPE_KEYS = ["preventive", "detective", "corrective", "deterrent"]
STRIDE_LETTERS = list("STRIDE")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    id: str
    message: str
    severity: str = "error"   # error | warning

    def __str__(self):
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}: [{self.id}] {tag}{self.message}" if self.id else f"{self.file}:{self.line}: {tag}{self.message}"

    def as_dict(self):
        return dict(self.__dict__)


# ============================================================== schemas
def _enum(values):
    return {"enum": list(values)}


def threat_model_schema(kb: KB) -> dict:
    txt = {"type": "string"}
    levels4 = [s["level"] for s in kb.scoring["severity"]]
    lik = [s["level"] for s in kb.scoring["likelihood"]]
    statuses = [s["status"] for s in kb.scoring["implementation_status"]]
    lvl3 = [c["level"] for c in kb.scoring["cost"]]
    layer = {"type": "string", "pattern": ids.full(ids.LAYER)}
    named_ref = {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": txt, "name": txt},
                                                "required": ["id"], "additionalProperties": False}]}
    threat = {
        "type": "object",
        "required": ["id", "name", "layers", "maps_to", "severity", "likelihood", "mitigations"],
        "additionalProperties": False,
        "properties": {
            "id": txt, "name": txt, "layers": {"type": "array", "items": layer, "minItems": 1},
            "maps_to": {"type": "array", "items": named_ref},
            "blindspots": {"type": "array", "items": named_ref},
            "gap": txt,
            "stride": {"type": "array", "items": _enum(STRIDE_LETTERS)},
            "description": txt,
            "attack_vector": _enum([v["value"] for v in kb.scoring["attack_vector"]]),
            "attack_complexity": _enum([v["value"] for v in kb.scoring["attack_complexity"]]),
            "severity": _enum(levels4), "likelihood": _enum(lik), "risk": _enum(levels4),
            "agentic_factors": {"type": "array", "items": _enum([f["name"] for f in kb.factors])},
            "affected_components": {"type": "array", "items": txt},
            "prerequisites": txt, "impact": txt,
            "mitigations": {"type": "array", "items": txt},
            "atlas": {"type": "array", "items": txt}, "llm_top10": {"type": "array", "items": txt},
            "asi_top10": {"type": "array", "items": txt}, "cwe": {"type": "array", "items": txt},
        },
    }
    mitigation = {
        "type": "object",
        "required": ["id", "name", "type", "addresses", "status"],
        "additionalProperties": False,
        "properties": {
            "id": txt, "name": txt, "type": _enum(TYPE_KEYS), "implements": {"type": "array", "items": txt},
            "description": txt, "addresses": {"type": "array", "items": txt, "minItems": 1},
            "cost": _enum(lvl3), "effectiveness": _enum(lvl3), "status": _enum(statuses), "owner": txt,
            "coverage": _enum(["full", "partial"]),
        },
    }
    obj = {"type": "object"}
    residual = {
        "type": "object", "required": ["id", "threat", "residual", "disposition"], "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^RR[0-9]+$"}, "threat": txt, "inherent": _enum(levels4),
            "effectiveness": _enum(["High", "Medium", "Low", "None"]), "status": _enum(statuses),
            "effective_risk": {"type": "number", "minimum": 0, "maximum": 4}, "residual": _enum(levels4),
            "disposition": _enum(kb.scoring["dispositions"]), "owner": txt,
            "review": _enum(list(kb.scoring["review_schedule"].values())), "triggers": {"type": "array", "items": txt},
            "target_date": txt, "justification": txt,
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://maestro-playbook.example.org/schemas/threat-model.schema.json",
        "title": "MAESTRO threat model (threat-model.json)",
        "type": "object",
        "required": ["schema_version", "project", "prefix", "analysis_depth", "threats", "mitigations"],
        "additionalProperties": False,
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "project": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "prefix": {"type": "string", "pattern": ids.full(PREFIX)},
            "kb_version": txt, "generated": txt, "analyst": txt, "scope": txt, "disclaimer": txt,
            "analysis_depth": _enum([d["key"] for d in kb.depth["depths"]]),
            "system_type": _enum(["single-agent", "multi-agent", "unknown"]),
            "uses_mcp": {"type": "boolean"},
            "business_context": obj, "assumptions": {"type": "array", "items": obj},
            "components": {"type": "array", "items": {"type": "object", "required": ["name", "layers"],
                           "properties": {"name": txt, "layers": {"type": "array", "items": layer}, "notes": txt},
                           "additionalProperties": False}},
            "threat_actors": {"type": "array", "items": obj}, "trust_boundaries": {"type": "array", "items": obj},
            "trust_zones": {"type": "array", "items": {"type": "object", "required": ["name", "trust"],
                            "properties": {"name": txt, "trust": txt, "components": {"type": "array", "items": txt}},
                            "additionalProperties": False}},
            "data_flows": {"type": "array", "items": obj},
            "attack_chains": {"type": "array", "items": {"type": "object", "required": ["name", "steps", "threats"],
                              "properties": {"name": txt, "threats": {"type": "array", "items": txt},
                                             "steps": {"type": "array", "items": {"type": "object", "required": ["layer", "text"],
                                                       "properties": {"layer": layer, "text": txt}, "additionalProperties": False}}},
                              "additionalProperties": False}},
            "phase_notes": {"type": "object", "propertyNames": {"enum": [str(n) for n in range(1, 11)]},
                            "additionalProperties": txt},
            "assets": {"type": "array", "items": obj},
            "threats": {"type": "array", "items": threat},
            "mitigations": {"type": "array", "items": mitigation},
            "code_validation": {"type": "array", "items": obj},
            "residual_risks": {"type": "array", "items": residual},
            "roadmap": {"type": "array", "items": obj},
            "summary": obj,
        },
    }


def state_schema(kb: KB) -> dict:
    status = _enum(["pending", "in_progress", "complete", "skipped", "error"])
    phase = {"type": "object", "required": ["status", "output_file"], "additionalProperties": False,
             "properties": {"status": status, "output_file": {"type": "string"}, "reason": {"type": "string"},
                            "updated": {"type": "string"}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://maestro-playbook.example.org/schemas/state.schema.json",
        "title": "MAESTRO engagement state (state.json)",
        "type": "object",
        "required": ["project", "analysis_depth", "created", "updated", "phases", "version_metadata"],
        "additionalProperties": False,
        "properties": {
            "project": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "prefix": {"type": "string", "pattern": ids.full(PREFIX)},
            "analysis_depth": _enum([d["key"] for d in kb.depth["depths"]]),
            "depth_answers": {"type": "object", "additionalProperties": {"type": "boolean"}},
            "created": {"type": "string"}, "updated": {"type": "string"},
            "phases": {"type": "object", "required": PHASE_KEYS, "additionalProperties": False,
                       "properties": {k: phase for k in PHASE_KEYS}},
            "system_type": _enum(["single-agent", "multi-agent", "unknown"]),
            "uses_mcp": {"type": "boolean"},
            "threat_count": {"type": "integer", "minimum": 0}, "mitigation_count": {"type": "integer", "minimum": 0},
            "playbook_git_hash": {"type": "string"},
            "files_read": {"type": "array", "items": {"type": "string"}},
            "version_metadata": {"type": "object", "required": ["playbook_version", "schema_version"],
                                 "properties": {"playbook_version": {"type": "string"}, "analyst": {"type": "string"},
                                                "schema_version": {"const": STATE_SCHEMA_VERSION}}},
        },
    }


# ============================================================== loading
class Unusable(Exception):
    """The input cannot be read at all (missing, not JSON/YAML, wrong top-level type)."""


def read_doc(path: Path):
    """Load JSON (or YAML) with line positions; raise Unusable on unreadable input."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Unusable(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        if path.suffix == ".json":
            json.loads(text)  # strict JSON first: a trailing comma is an error, not YAML
        doc = yamlio.load(path)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        line = getattr(exc, "lineno", None) or (getattr(getattr(exc, "problem_mark", None), "line", 0) + 1)
        raise Unusable(f"{path}:{line}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {getattr(exc, 'msg', None) or exc}") from None
    if not isinstance(doc, dict):
        raise Unusable(f"{path}:1: expected an object at the top level")
    return doc


def _schema_findings(doc, schema, fname) -> list[Finding]:
    return [Finding(e.src or fname, e.line, e.ident if e.ident and not e.ident.isdigit() else "", e.message)
            for e in validation.schema_errors(doc, schema, keys=("id",))]


def _line(node, key=None):
    if isinstance(node, yamlio.LDict) and key in getattr(node, "key_lines", {}):
        return node.key_lines[key]
    if isinstance(node, yamlio.LList) and isinstance(key, int) and key < len(node.item_lines):
        return node.item_lines[key]
    return getattr(node, "line", 1) or 1


# ============================================================== check threat-model.json
def _ref_id(r):
    return r.get("id") if isinstance(r, dict) else r


def check_threat_model(kb: KB, doc, fname: str) -> list[Finding]:
    out = _schema_findings(doc, threat_model_schema(kb), fname)
    if out:
        return out  # semantic checks assume the shape is right
    add = lambda node, key, ident, msg, sev="error": out.append(Finding(getattr(node, "src", None) or fname, _line(node, key), ident, msg, sev))  # noqa: E731
    prefix = doc["prefix"]
    active = {t["id"] for t in kb.active_threats()}
    reserved = {t["id"] for t in kb.reserved_threats()}
    local_threats = {}
    for i, t in enumerate(doc["threats"]):
        tid = t["id"]
        if re.fullmatch(ids.THREAT, tid) or re.fullmatch(ids.BLINDSPOT, tid) or re.fullmatch(ids.MITIGATION, tid):
            add(t, "id", tid, f"local threat ID {tid} shadows a taxonomy ID; name local threats {prefix}-T<n> (e.g. {prefix}-T{i + 1})")
        elif not re.fullmatch(LOCAL_THREAT, tid):
            add(t, "id", tid, f"local threat ID must look like {prefix}-T<n>")
        elif not tid.startswith(prefix + "-"):
            add(t, "id", tid, f"local threat ID must use the project prefix {prefix}")
        if tid in local_threats:
            add(t, "id", tid, "duplicate local threat ID")
        local_threats[tid] = t
        for j, ref in enumerate(t["maps_to"]):
            _check_citation(kb, ref, ("threat",), t["maps_to"], j, tid, add, active, reserved)
        for j, ref in enumerate(t.get("blindspots", [])):
            _check_citation(kb, ref, ("blindspot",), t["blindspots"], j, tid, add, active, reserved)
        if not t["maps_to"] and not t.get("blindspots") and not t.get("gap"):
            add(t, "maps_to", tid, "map the threat to taxonomy IDs, or record the taxonomy gap in 'gap'")
        for f, table, what in (("atlas", kb.atlas_techniques, "ATLAS technique"), ("llm_top10", kb.llm, "LLM Top 10 ID"),
                               ("asi_top10", kb.asi, "Agentic Top 10 ID"), ("cwe", kb.cwe, "CWE ID")):
            for j, v in enumerate(t.get(f, [])):
                if v not in table:
                    add(t[f], j, tid, f"unknown {what} {v}")
        if "risk" in t:
            want = scoring.risk_level(kb, t["severity"], t["likelihood"])
            if t["risk"] != want:
                add(t, "risk", tid, f"risk {t['risk']} does not match the matrix: {t['severity']} x {t['likelihood']} = {want}")

    mit_ids = {}
    for m in doc["mitigations"]:
        mid = m["id"]
        if mid in mit_ids:
            add(m, "id", mid, "duplicate mitigation ID")
        mit_ids[mid] = m
        if re.fullmatch(ids.MITIGATION, mid):
            if mid not in kb.mitigations:
                add(m, "id", mid, f"{mid} is not in the mitigation catalog")
            else:
                if m["name"] != kb.mitigations[mid]["name"]:
                    add(m, "name", mid, f"name {m['name']!r} is not the canonical name of {mid}: {kb.mitigations[mid]['name']!r}")
                want = kb.types[kb.mitigation_type(mid)]["key"]
                if m["type"] != want:
                    add(m, "type", mid, f"type {m['type']} contradicts the catalog: {mid} is {want}")
        elif re.fullmatch(LOCAL_MITIGATION, mid):
            if not mid.startswith(prefix + "-"):
                add(m, "id", mid, f"local mitigation ID must use the project prefix {prefix}")
            if not m.get("implements"):
                add(m, "id", mid, "a project-specific mitigation must name the catalog IDs it implements ('implements')")
        else:
            add(m, "id", mid, f"mitigation ID must be a catalog ID (e.g. L3-D2) or {prefix}-M<n>")
        for j, c in enumerate(m.get("implements", [])):
            if c not in kb.mitigations:
                add(m["implements"], j, mid, f"implements unknown catalog ID {c}")
        for j, t in enumerate(m["addresses"]):
            if t not in local_threats:
                if t in active or t in reserved:
                    add(m["addresses"], j, mid, f"addresses lists taxonomy ID {t}; list the local threat ({prefix}-T<n>) instead")
                else:
                    add(m["addresses"], j, mid, f"addresses unknown local threat {t}")

    # threat -> mitigations, both directions must agree; Phase 7 rules
    addressed: dict[str, list[str]] = {t: [] for t in local_threats}
    for m in doc["mitigations"]:
        for t in m["addresses"]:
            addressed.setdefault(t, []).append(m["id"])
    for tid, t in local_threats.items():
        for j, mid in enumerate(t["mitigations"]):
            if mid not in mit_ids:
                if re.fullmatch(ids.MITIGATION, mid) and mid not in kb.mitigations:
                    add(t["mitigations"], j, tid, f"{mid} is not in the mitigation catalog")
                else:
                    add(t["mitigations"], j, tid, f"mitigation {mid} has no mitigation card")
            elif tid not in mit_ids[mid]["addresses"]:
                add(t["mitigations"], j, tid, f"mitigation {mid} does not list {tid} in 'addresses'")
        for mid in addressed.get(tid, []):
            if mid not in t["mitigations"]:
                add(t, "mitigations", tid, f"mitigation {mid} addresses {tid} but the threat does not list it")
        level = scoring.risk_level(kb, t["severity"], t["likelihood"])
        mids = [m for m in dict.fromkeys(t["mitigations"] + addressed.get(tid, [])) if m in mit_ids]
        have = {mit_ids[m]["type"] for m in mids}
        missing = [x for x in scoring.required_types(kb, level) if x not in have]
        if missing:
            add(t, "mitigations", tid, f"{level} risk needs {', '.join(missing)} control(s) (Phase 7 rule); has {', '.join(sorted(have)) or 'none'}")
        if len(mids) == 1:
            add(t, "mitigations", tid, "only one mitigation: a single point of failure", "warning")
        if have and have <= {"deterrent"}:
            add(t, "mitigations", tid, "only deterrent controls, which never suffice alone", "warning")

    # residual risks: effective risk recomputed
    for r in doc.get("residual_risks", []):
        tid = r["threat"]
        if tid not in local_threats:
            add(r, "threat", r["id"], f"residual risk for unknown local threat {tid}")
            continue
        t = local_threats[tid]
        level = scoring.risk_level(kb, t["severity"], t["likelihood"])
        if "inherent" in r and r["inherent"] != level:
            add(r, "inherent", r["id"], f"inherent risk {r['inherent']} does not match the matrix for {tid}: {level}")
        stats = [(mit_ids[m]["status"], mit_ids[m].get("coverage", "full")) for m in t["mitigations"] if m in mit_ids]
        eff = scoring.effective_risk(kb, level, stats)
        if "effective_risk" in r and abs(r["effective_risk"] - eff) > 0.001:
            add(r, "effective_risk", r["id"], f"effective risk {r['effective_risk']} should be {eff} ({level} x (1 - strongest status))")
        if r["disposition"] in ("Accepted", "Deferred") and not r.get("owner"):
            add(r, "disposition", r["id"], f"{r['disposition']} residual risk needs an owner")
        if r["disposition"] == "Deferred" and not r.get("target_date"):
            add(r, "disposition", r["id"], "a Deferred residual risk needs a target date")
    summary = doc.get("summary", {})
    for j, tid in enumerate(summary.get("top_risks", []) if isinstance(summary, dict) else []):
        if tid not in local_threats:
            add(summary["top_risks"], j, tid, f"top risk {tid} is not a local threat")
    if not doc.get("disclaimer"):
        add(doc, "schema_version", "", "the AI-assistance disclaimer is missing ('disclaimer')", "warning")
    return out


def _check_citation(kb, ref, kinds, node, key, owner, add, active, reserved):
    rid = _ref_id(ref)
    kind = ids.kind_of(rid) if isinstance(rid, str) else None
    if rid in reserved:
        add(node, key, owner, f"{rid} is reserved and cannot be cited")
        return
    table = {"threat": active, "blindspot": set(kb.blindspots)}
    if kind not in kinds or rid not in table[kind]:
        what = " or ".join(kinds)
        add(node, key, owner, f"{rid} is not a {what} ID in the knowledge base (v{kb.version})")
        return
    if isinstance(ref, dict) and ref.get("name") and ref["name"] != kb.name_of(rid):
        add(node, key, owner, f"name {ref['name']!r} next to {rid} is not its canonical name {kb.name_of(rid)!r}")


# ============================================================== check state.json and phase files
OTHER_IDS = re.compile(r"(?<![\w.])(?:AML\.(?:TA|T|M)[0-9]{4}(?:\.[0-9]{3})?|LLM[0-9]{2}|ASI[0-9]{2})(?![\w])")
NAME_NEXT_TO_ID = re.compile(
    r"(?<![\w-])(?P<id>" + ids.MITIGATION + "|" + ids.BLINDSPOT + "|" + ids.THREAT + r")(?![\w-])"
    r"(?:\s*\((?P<paren>[^()\n]{3,80})\)|\s*[:\u2013\u2014]\s+(?P<colon>[A-Z][^.;,|\n()]{2,80}))"
)


def check_markdown(kb: KB, path: Path, fname: str) -> list[Finding]:
    """IDs in a phase file exist; a name written next to an ID is its canonical name."""
    out: list[Finding] = []
    active = {t["id"] for t in kb.active_threats()}
    fence = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        for tok in ids.ID_SHAPED.findall(line):
            if tok not in active and tok not in kb.blindspots and tok not in kb.mitigations:
                reserved = tok in kb.threats
                out.append(Finding(fname, n, tok, f"{tok} is reserved and cannot be cited" if reserved
                                   else f"{tok} does not exist in the knowledge base (v{kb.version})"))
        for tok in OTHER_IDS.findall(line):
            known = (tok in kb.atlas_techniques or tok in kb.atlas_tactics or tok in {m["id"] for m in kb.atlas["mitigations"]}
                     or tok in kb.llm or tok in kb.asi)
            if not known:
                out.append(Finding(fname, n, tok, f"{tok} does not exist (MITRE ATLAS {kb.atlas['source']['version']}, OWASP LLM Top 10 2025, "
                                                  "OWASP Top 10 for Agentic Applications 2026)"))
        for m in NAME_NEXT_TO_ID.finditer(line):
            canon = kb.name_of(m.group("id"))
            cand = (m.group("paren") or m.group("colon") or "").strip().rstrip("*").strip()
            if not canon or not cand or cand == canon:
                continue
            if _looks_like_name(cand) and not cand.startswith(canon):
                out.append(Finding(fname, n, m.group("id"), f"name {cand!r} next to {m.group('id')} is not its canonical name {canon!r}"))
    return out


def _looks_like_name(s: str) -> bool:
    words = [w for w in re.split(r"\s+", s) if w]
    if not 1 <= len(words) <= 9:
        return False
    small = {"and", "or", "of", "the", "via", "to", "in", "for", "on", "by", "with", "&", "/", "-", "+"}
    return all(w[0].isupper() or w.lower() in small or not w[0].isalpha() for w in words)


def check_state(kb: KB, doc, fname: str) -> list[Finding]:
    out = _schema_findings(doc, state_schema(kb), fname)
    if out:
        return out
    for key, ph in doc["phases"].items():
        if key == "10j":
            continue
        want = kb.phases[int(key)]["output_file"]
        if ph["output_file"] != want:
            out.append(Finding(fname, _line(ph, "output_file"), f"phase {key}", f"output_file should be {want}"))
    return out
