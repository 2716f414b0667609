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

from . import ids, safeio, schemas, urls, yamlio
from .findings import Finding  # noqa: F401 - re-exported for callers of the engagement API
from .crosswalk import RECORD_FIELDS, STRIDE
from .kb import KB

SCHEMA_VERSION = "1.1.0"
READABLE_SCHEMA_VERSIONS = ["1.0.0", SCHEMA_VERSION]  # 1.0.0 files are read; `maestro export` writes the current one
STATE_SCHEMA_VERSION = "1.1.0"
PHASE_KEYS = [str(n) for n in range(1, 11)] + ["10j"]
PHASE_STATUSES = ["pending", "in_progress", "complete", "skipped", "error"]  # the one phase-status vocabulary
PREFIX = r"[A-Z][A-Z0-9]{1,15}"
LOCAL_THREAT = rf"{PREFIX}-T[1-9][0-9]*"
LOCAL_MITIGATION = rf"{PREFIX}-M[1-9][0-9]*"
# ID families a project prefix must not pass for: with it, PREFIX-T1 would read as (or be skipped as) one of them.
FOREIGN_PREFIXES = (
    (r"T[0-9]+|MAESTRO|OWASP", "a MAESTRO or OWASP threat (T12, MAESTRO T16)"),
    (r"L[0-9]+|CL", "a MAESTRO layer or one of its controls (L3, CL-D4)"),
    (r"BV[0-9]*", "a MAESTRO blindspot (BV-2)"),
    (r"CK[0-9]*", "a checklist item (CK-L3-04)"),
    (r"AML[A-Z0-9]*", "a MITRE ATLAS ID (AML.T0051)"),
    (r"LLM[0-9]*", "an OWASP LLM Top 10 entry (LLM01:2025)"),
    (r"ASI[0-9]*", "an OWASP Agentic Top 10 entry (ASI01)"),
    (r"CWE[0-9]*|CVE[0-9]*|CAPEC[0-9]*", "a CWE, CVE or CAPEC entry (CWE-79)"),
    (r"MC[0-9]+", "a maestro check rule (MC301)"),
    (r"[DR][0-9]+", "one of the playbook's decisions or rulings (D21, R02)"),
    (r"(?:TA|M)[0-9]+", "a MITRE ATT&CK tactic or mitigation (TA0001, M1036)"),
    (r"(?:RR|TB|AF|DF|CV|REM|A)[0-9]+", "an engagement record (RR1, TB2, AF3, CV4)"),
)


def foreign_prefix(prefix: str) -> str | None:
    """The external or taxonomy ID family a project prefix imitates, or None when it imitates none."""
    return next((what for rx, what in FOREIGN_PREFIXES if re.fullmatch(rx, prefix)), None)


DISCLAIMER = ("This threat model was produced with the help of an AI assistant. It may be incomplete or wrong; "
              "a qualified person must review it before anyone relies on it.")


# ============================================================== schemas
def _enum(values):
    return {"enum": list(values)}


_TXT = {"type": "string"}
_LAYER = {"type": "string", "pattern": ids.full(ids.LAYER)}
_NAMED_REF = {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"id": _TXT, "name": _TXT},
                                             "required": ["id"], "additionalProperties": False}]}


def _array(items, **more):
    return {"type": "array", "items": items, **more}


def _scales(kb: KB) -> dict:
    """The scoring vocabularies an engagement uses: severity, likelihood, status and cost levels."""
    return {"levels4": [s["level"] for s in kb.scoring["severity"]], "lik": [s["level"] for s in kb.scoring["likelihood"]],
            "statuses": [s["status"] for s in kb.scoring["implementation_status"]], "lvl3": [c["level"] for c in kb.scoring["cost"]]}


def _threat_schema(kb: KB) -> dict:
    """One threat of the register (Phase 6)."""
    txt, sc = _TXT, _scales(kb)
    return {
        "type": "object",
        "required": ["id", "name", "layers", "maps_to", "severity", "mitigations"],
        "additionalProperties": False,
        "properties": {
            "id": txt, "name": txt, "layers": _array(_LAYER, minItems=1),
            "maps_to": _array(_NAMED_REF),
            "blindspots": _array(_NAMED_REF),
            "gap": txt,
            STRIDE.name: _array(_enum([s["letter"] for s in kb.frameworks[STRIDE.listed_in[1]]])),
            "description": txt,
            "attack_vector": _enum([v["value"] for v in kb.scoring["attack_vector"]]),
            "attack_complexity": _enum([v["value"] for v in kb.scoring["attack_complexity"]]),
            "severity": _enum(sc["levels4"]), "likelihood": _enum(sc["lik"]), "risk": _enum(sc["levels4"]),
            "agentic_factors": _array(_enum([f["name"] for f in kb.factors])),
            "affected_components": _array(txt),
            "prerequisites": txt, "impact": txt,
            "mitigations": _array(txt),
            **{f.name: _array(txt) for f in RECORD_FIELDS},
        },
    }


def _mitigation_schema(kb: KB) -> dict:
    """One mitigation card (Phase 7)."""
    txt, sc = _TXT, _scales(kb)
    return {
        "type": "object",
        "required": ["id", "name", "type", "addresses", "status"],
        "additionalProperties": False,
        "properties": {
            "id": txt, "name": txt, "type": _enum([t["key"] for t in kb.docs["mitigations"]["types"]]), "implements": _array(txt),
            "description": txt, "addresses": _array(txt, minItems=1),
            "cost": _enum(sc["lvl3"]), "effectiveness": _enum(sc["lvl3"]), "status": _enum(sc["statuses"]), "owner": txt,
            "coverage": {"oneOf": [_enum(["full", "partial"]), {"type": "object", "minProperties": 1,
                                                                  "additionalProperties": _enum(["full", "partial"])}],
                         "description": "How much of a threat the control covers: one value for all it addresses, or one per threat "
                                        "({PAY-T1: full, PAY-T2: partial}); a threat the mapping leaves out is covered in part."},
            "evidence": {"type": "string", "description": "Attestation, audit or test report that supports the status when Phase 8 did not verify it (ruling R01)."},
        },
    }


def _residual_schema(kb: KB) -> dict:
    """One residual risk (Phase 9)."""
    txt, sc = _TXT, _scales(kb)
    return {
        "type": "object", "required": ["id", "threat", "effective_risk", "residual", "disposition"], "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^RR[0-9]+$"}, "threat": txt, "inherent": _enum(sc["levels4"]),
            "effectiveness": _enum(["High", "Medium", "Low", "None"]), "status": _enum(sc["statuses"]),
            "effective_risk": {"type": "number", "minimum": 0, "maximum": 4}, "residual": _enum(sc["levels4"]),
            "disposition": _enum(kb.scoring["dispositions"]), "owner": txt,
            "review": _enum(list(kb.scoring["review_schedule"].values())), "triggers": _array(txt),
            "target_date": txt, "justification": txt,
        },
    }


def _record(pattern, **props):
    """A numbered record (A1, TA1, TB1, AF1, DF1) whose other fields are free-form."""
    return {"type": "object", "required": ["id"], "properties": {"id": {"type": "string", "pattern": f"^{pattern}[1-9][0-9]*$"}, **props}}


def _validation_schema(kb: KB) -> dict:
    """One code-validation record (Phase 8)."""
    txt, sc = _TXT, _scales(kb)
    return {
        "type": "object", "required": ["id", "mitigation", "verified_status"], "additionalProperties": False,
        "properties": {"id": {"type": "string", "pattern": "^CV[1-9][0-9]*$"}, "mitigation": txt, "artifact": txt, "file": txt,
                       "line": {"type": ["integer", "string"]}, "verified_status": _enum(sc["statuses"]), "evidence": txt, "gaps": txt,
                       "snippet": {"type": "string", "description": "Text on the cited lines; `maestro check --source DIR` looks for it there."},
                       "anti_patterns": txt, "tests": _enum(["Covered", "Partial", "None"]), "priority": _enum(sc["levels4"])},
    }


def _roadmap_schema(kb: KB) -> dict:
    """One remediation roadmap item (Phase 10)."""
    txt, sc = _TXT, _scales(kb)
    return {
        "type": "object", "required": ["id", "threats", "phase"], "additionalProperties": False,
        "properties": {"id": {"type": "string", "pattern": "^REM[1-9][0-9]*$"}, "title": txt, "threats": _array(txt),
                       "mitigations": _array(txt), "description": txt,
                       "phase": _enum([b["bucket"] for b in kb.scoring["remediation_buckets"]]), "effort": _enum(sc["lvl3"]), "team": txt,
                       "dependencies": {"type": ["string", "array"]}, "status": _enum(["Not Started", "In Progress", "Complete"]), "recurring": {"type": "boolean"},
                       "exception": {"type": "object", "required": ["reason", "approved_by"], "additionalProperties": False,
                                     "properties": {"reason": txt, "approved_by": txt, "date": txt}}},
    }


def _system_properties(kb: KB) -> dict:
    """Phases 1-5 of threat-model.json: context, assumptions, components, actors, boundaries, zones, flows, assets."""
    txt = _TXT
    return {
        "business_context": {"type": "object"}, "assumptions": _array(_record("A")),
        "components": _array({"type": "object", "required": ["name", "layers"],
                              "properties": {"name": txt, "layers": _array(_LAYER), "notes": txt},
                              "additionalProperties": False}),
        "threat_actors": _array(_record("TA")), "trust_boundaries": _array(_record("TB")),
        "trust_zones": _array({"type": "object", "required": ["name", "trust"],
                               "properties": {"name": txt, "trust": txt, "components": _array(txt)},
                               "additionalProperties": False}),
        "data_flows": _array({"type": "object", "properties": {"id": {"type": "string", "pattern": "^DF[1-9][0-9]*$"}}}),
    }


def _attack_chain_schema() -> dict:
    step = {"type": "object", "required": ["layer", "text"], "properties": {"layer": _LAYER, "text": _TXT}, "additionalProperties": False}
    return {"type": "object", "required": ["name", "steps", "threats"],
            "properties": {"name": _TXT, "threats": _array(_TXT), "steps": _array(step)},
            "additionalProperties": False}


def threat_model_schema(kb: KB) -> dict:
    """The JSON Schema of threat-model.json, built from the knowledge base's vocabularies."""
    txt = _TXT
    return _document("threat-model", "MAESTRO threat model (threat-model.json)",
                     ["schema_version", "project", "prefix", "analysis_depth", "threats", "mitigations"], {
            "schema_version": _enum(READABLE_SCHEMA_VERSIONS),
            "project": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "prefix": {"type": "string", "pattern": ids.full(PREFIX)},
            "kb_version": txt, "generated": txt, "analyst": txt, "scope": txt, "disclaimer": txt,
            "analysis_depth": _enum([d["key"] for d in kb.depth["depths"]]),
            "system_type": _enum(["single-agent", "multi-agent", "unknown"]),
            "uses_mcp": {"type": "boolean"},
            "layer_scope": _array(_LAYER),
            **_system_properties(kb),
            "attack_chains": _array(_attack_chain_schema()),
            "not_applicable": {"type": "object", "propertyNames": {"pattern": ids.full(f"(?:{ids.THREAT}|{ids.BLINDSPOT})")},
                               "additionalProperties": {"type": "string", "minLength": 1},
                               "description": "Phase 6: taxonomy threats or blindspots judged not to apply, each with the reason "
                                              "(an MCP system that maps no MCP threat names each core one here)."},
            "phase_status": {"type": "object", "propertyNames": {"enum": [str(n) for n in range(1, 11)]},
                             "additionalProperties": _enum(PHASE_STATUSES),
                             "description": "Status of each phase when the file was exported; a file without it is read as finished."},
            "sources": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                        "description": "SHA-256 of each phase file the export was built from; `maestro check` judges staleness by them."},
            "phase_notes": {"type": "object", "propertyNames": {"enum": [str(n) for n in range(1, 11)]},
                            "additionalProperties": txt},
            "assets": _array(_record("AF")),
            "threats": _array(_threat_schema(kb)),
            "mitigations": _array(_mitigation_schema(kb)),
            "code_validation": _array(_validation_schema(kb)),
            "residual_risks": _array(_residual_schema(kb)),
            "roadmap": _array(_roadmap_schema(kb)),
            "summary": {"type": "object", "properties": {"top_risks": _array(txt, maxItems=5)}},
    })


def _document(name: str, title: str, required: list, properties: dict) -> dict:
    """A top-level engagement schema: its published $id, title, required keys and closed property set."""
    return {"$schema": schemas.DRAFT, "$id": urls.schema_id(name), "title": title, "type": "object",
            "required": required, "additionalProperties": False, "properties": properties}


def state_schema(kb: KB) -> dict:
    status = _enum(PHASE_STATUSES)
    phase = {"type": "object", "required": ["status", "output_file"], "additionalProperties": False,
             "properties": {"status": status, "output_file": {"type": "string"}, "reason": {"type": "string"},
                            "updated": {"type": "string"}}}
    return _document("state", "MAESTRO engagement state (state.json)",
                     ["project", "analysis_depth", "created", "updated", "phases", "version_metadata"], {
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
    })


# ============================================================== loading
Unusable = safeio.Unusable  # the input cannot be read at all (missing, not a regular file, too large, not JSON/YAML)
MAX_FILE_BYTES = safeio.MAX_FILE_BYTES  # per engagement file; documented in AGENTS.md and the check-rules page


def read_text(path: Path) -> str:
    """A user file as text: Unusable (one clear line) when missing, not a regular file, too large or not UTF-8."""
    return safeio.read_text(path, MAX_FILE_BYTES)


def read_json_fast(path: Path):
    """A JSON file as nested dicts and lists, parsed by the json module (several times faster than the YAML reader
    ``read_doc`` uses for line positions); only the top-level keys carry lines, read from the layout `maestro export`
    writes. For a file the checker only compares; Unusable on the same inputs as ``read_doc``."""
    text = read_text(path)

    def mapping(pairs):
        out = yamlio.LDict()
        for k, v in pairs:
            if k in out:
                raise ValueError(f"duplicate key {k!r}")
            out[k] = v
        out.line, out.key_lines = 1, {}
        return out
    try:
        doc = json.loads(text, object_pairs_hook=mapping)
    except RecursionError:
        raise Unusable(f"{path}:1: nested too deeply to read") from None
    except ValueError as exc:
        raise Unusable(f"{path}:{getattr(exc, 'lineno', 1)}: not valid JSON: {getattr(exc, 'msg', exc)}") from None
    if not isinstance(doc, dict):
        raise Unusable(f"{path}:1: expected an object at the top level")
    doc.key_lines = {m.group(1): text.count("\n", 0, m.start()) + 1 for m in _TOP_KEY.finditer(text)}
    return doc


_TOP_KEY = re.compile(r'^  "([^"\\]+)":', re.M)


def read_doc(path: Path):
    """Load JSON (or YAML) with line positions; raise Unusable on unreadable input."""
    text = read_text(path)
    try:
        if path.suffix == ".json":
            json.loads(text)  # strict JSON first: a trailing comma is an error, not YAML
        doc = yamlio.load_text(text)  # screens out anchors, aliases and deep nesting first
    except RecursionError:
        raise Unusable(f"{path}:1: nested too deeply to read") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        line = getattr(exc, "lineno", None) or (getattr(getattr(exc, "problem_mark", None), "line", 0) + 1)
        raise Unusable(f"{path}:{line}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {getattr(exc, 'msg', None) or getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(doc, dict):
        raise Unusable(f"{path}:1: expected an object at the top level")
    return doc
