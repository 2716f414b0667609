"""Engagement files: the JSON Schemas of state.json and threat-model.json, and safe reading.

The schemas are derived from the knowledge base (template fields, scales, statuses), so an
engagement is validated against the same vocabulary the site shows. The rules that judge an
engagement live in maestro/checks/.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from . import ids, yamlio
from .findings import Finding  # noqa: F401 - re-exported for callers of the engagement API
from .kb import KB

SCHEMA_VERSION = "1.1.0"
READABLE_SCHEMA_VERSIONS = ["1.0.0", SCHEMA_VERSION]  # 1.0.0 files are read; `maestro export` writes the current one
STATE_SCHEMA_VERSION = "1.1.0"
PHASE_KEYS = [str(n) for n in range(1, 11)] + ["10j"]
PREFIX = r"[A-Z][A-Z0-9]{1,15}"
LOCAL_THREAT = rf"{PREFIX}-T[1-9][0-9]*"
LOCAL_MITIGATION = rf"{PREFIX}-M[1-9][0-9]*"
DISCLAIMER = ("This threat model was produced with the help of an AI assistant. It may be incomplete or wrong; "
              "a qualified person must review it before anyone relies on it.")
TYPE_KEYS = ["preventive", "detective", "corrective", "deterrent"]
STRIDE_LETTERS = list("STRIDE")


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
            "evidence": {"type": "string", "description": "Attestation, audit or test report that supports the status when Phase 8 did not verify it (ruling R01)."},
        },
    }
    obj = {"type": "object"}
    residual = {
        "type": "object", "required": ["id", "threat", "effective_risk", "residual", "disposition"], "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^RR[0-9]+$"}, "threat": txt, "inherent": _enum(levels4),
            "effectiveness": _enum(["High", "Medium", "Low", "None"]), "status": _enum(statuses),
            "effective_risk": {"type": "number", "minimum": 0, "maximum": 4}, "residual": _enum(levels4),
            "disposition": _enum(kb.scoring["dispositions"]), "owner": txt,
            "review": _enum(list(kb.scoring["review_schedule"].values())), "triggers": {"type": "array", "items": txt},
            "target_date": txt, "justification": txt,
        },
    }
    def record(pattern, **props):
        """A numbered record (A1, TA1, TB1, AF1, DF1) whose other fields are free-form."""
        return {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "pattern": f"^{pattern}[1-9][0-9]*$"}, **props}}
    validation_rec = {
        "type": "object", "required": ["id", "mitigation", "verified_status"], "additionalProperties": False,
        "properties": {"id": {"type": "string", "pattern": "^CV[1-9][0-9]*$"}, "mitigation": txt, "artifact": txt, "file": txt,
                       "line": {"type": ["integer", "string"]}, "verified_status": _enum(statuses), "evidence": txt, "gaps": txt,
                       "anti_patterns": txt, "tests": _enum(["Covered", "Partial", "None"]), "priority": _enum(levels4)},
    }
    roadmap_item = {
        "type": "object", "required": ["id", "threats", "phase"], "additionalProperties": False,
        "properties": {"id": {"type": "string", "pattern": "^REM[1-9][0-9]*$"}, "title": txt, "threats": {"type": "array", "items": txt},
                       "mitigations": {"type": "array", "items": txt}, "description": txt,
                       "phase": _enum([b["bucket"] for b in kb.scoring["remediation_buckets"]]), "effort": _enum(lvl3), "team": txt,
                       "dependencies": {"type": ["string", "array"]}, "status": _enum(["Not Started", "In Progress", "Complete"]), "recurring": {"type": "boolean"},
                       "exception": {"type": "object", "required": ["reason", "approved_by"], "additionalProperties": False,
                                     "properties": {"reason": txt, "approved_by": txt, "date": txt}}},
    }
    summary = {"type": "object", "properties": {"top_risks": {"type": "array", "items": txt, "maxItems": 5}}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://maestro-playbook.example.org/schemas/threat-model.schema.json",
        "title": "MAESTRO threat model (threat-model.json)",
        "type": "object",
        "required": ["schema_version", "project", "prefix", "analysis_depth", "threats", "mitigations"],
        "additionalProperties": False,
        "properties": {
            "schema_version": _enum(READABLE_SCHEMA_VERSIONS),
            "project": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "prefix": {"type": "string", "pattern": ids.full(PREFIX)},
            "kb_version": txt, "generated": txt, "analyst": txt, "scope": txt, "disclaimer": txt,
            "analysis_depth": _enum([d["key"] for d in kb.depth["depths"]]),
            "system_type": _enum(["single-agent", "multi-agent", "unknown"]),
            "uses_mcp": {"type": "boolean"},
            "layer_scope": {"type": "array", "items": layer},
            "business_context": obj, "assumptions": {"type": "array", "items": record("A")},
            "components": {"type": "array", "items": {"type": "object", "required": ["name", "layers"],
                           "properties": {"name": txt, "layers": {"type": "array", "items": layer}, "notes": txt},
                           "additionalProperties": False}},
            "threat_actors": {"type": "array", "items": record("TA")}, "trust_boundaries": {"type": "array", "items": record("TB")},
            "trust_zones": {"type": "array", "items": {"type": "object", "required": ["name", "trust"],
                            "properties": {"name": txt, "trust": txt, "components": {"type": "array", "items": txt}},
                            "additionalProperties": False}},
            "data_flows": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string", "pattern": "^DF[1-9][0-9]*$"}}}},
            "attack_chains": {"type": "array", "items": {"type": "object", "required": ["name", "steps", "threats"],
                              "properties": {"name": txt, "threats": {"type": "array", "items": txt},
                                             "steps": {"type": "array", "items": {"type": "object", "required": ["layer", "text"],
                                                       "properties": {"layer": layer, "text": txt}, "additionalProperties": False}}},
                              "additionalProperties": False}},
            "phase_notes": {"type": "object", "propertyNames": {"enum": [str(n) for n in range(1, 11)]},
                            "additionalProperties": txt},
            "assets": {"type": "array", "items": record("AF")},
            "threats": {"type": "array", "items": threat},
            "mitigations": {"type": "array", "items": mitigation},
            "code_validation": {"type": "array", "items": validation_rec},
            "residual_risks": {"type": "array", "items": residual},
            "roadmap": {"type": "array", "items": roadmap_item},
            "summary": summary,
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
            "depth_reason": {"type": "string"},
            "layer_scope": {"type": "array", "items": {"type": "string", "pattern": ids.full(ids.LAYER)}},
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


MAX_FILE_BYTES = 4 * 1024 * 1024  # per engagement file; documented in AGENTS.md and the check-rules page


def read_text(path: Path) -> str:
    """A user file as text: Unusable (one clear line) when missing, too large or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise Unusable(f"{path}: {size} bytes is over the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit for an engagement file; split or trim it")
        data = path.read_bytes()
    except OSError as exc:
        raise Unusable(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Unusable(f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8") from None


def read_doc(path: Path):
    """Load JSON (or YAML) with line positions; raise Unusable on unreadable input."""
    text = read_text(path)
    try:
        if path.suffix == ".json":
            json.loads(text)  # strict JSON first: a trailing comma is an error, not YAML
        doc = yamlio.load_text(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        line = getattr(exc, "lineno", None) or (getattr(getattr(exc, "problem_mark", None), "line", 0) + 1)
        raise Unusable(f"{path}:{line}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {getattr(exc, 'msg', None) or exc}") from None
    if not isinstance(doc, dict):
        raise Unusable(f"{path}:1: expected an object at the top level")
    return doc
