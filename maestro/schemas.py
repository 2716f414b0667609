"""JSON Schemas (draft 2020-12) for every data file.

The schemas check shape: required fields, types, enumerations and ID formats. What a schema
cannot express (references between files, numbering, word counts) is checked in kb.py.
They are published with the site under /schemas/.
"""
from __future__ import annotations

from . import ids

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = "https://maestro-playbook.example.org/schemas/"


def _id(rx):
    return {"type": "string", "pattern": ids.full(rx)}


def _list(item, min_items=0, unique=True):
    s = {"type": "array", "items": item, "minItems": min_items}
    if unique:
        s["uniqueItems"] = True
    return s


TEXT = {"type": "string", "minLength": 1}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
THREAT = _id(ids.THREAT)
MIT = _id(ids.MITIGATION)
BV = _id(ids.BLINDSPOT)
LAYER = _id(ids.LAYER)
LAYER7 = {"type": "string", "pattern": "^L[1-7]$"}
STRIDE = {"enum": ["Spoofing", "Tampering", "Repudiation", "Information Disclosure", "Denial of Service", "Elevation of Privilege"]}
LEVEL4 = {"enum": ["Low", "Medium", "High", "Critical"]}
LIKELIHOOD = {"enum": ["Unlikely", "Possible", "Likely", "Very Likely"]}
LEVEL3 = {"enum": ["Low", "Medium", "High"]}
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(?:[-_][a-z0-9]+)*$"}
PHASE = {"type": "integer", "minimum": 1, "maximum": 10}


def obj(props: dict, required=None, extra=False):
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
        "additionalProperties": extra,
    }


def _prose_fields():
    return {
        "description": TEXT,
        "manifestation": TEXT,
        "indicators": _list(TEXT, 1),
        "example": TEXT,
    }


# The lifecycle of one of our IDs (CONTRIBUTING.md): active by default; deprecated keeps its page with a
# banner and leaves every list; revoked redirects its page to the ID that replaces it.
VERSION = {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"}
LIFECYCLE = {
    "status": {"enum": ["active", "deprecated", "revoked"]},
    "deprecated": obj({"reason": TEXT, "version": VERSION}),
    "revoked": obj({"replaced_by": TEXT, "version": VERSION, "reason": TEXT}),
}
# Why a crosswalk field is empty: {field: reason}. An empty LLM, Agentic Top 10, CWE or ATLAS list needs one.
NO_MAPPING = {"type": "object", "propertyNames": {"enum": ["llm_top10", "asi_top10", "cwe", "atlas"]}, "additionalProperties": TEXT,
              "minProperties": 1}
_threat_active = obj(
    {
        "id": THREAT,
        "name": TEXT,
        "short_label": TEXT,
        "kind": {"enum": ["core", "extended"]},
        **_prose_fields(),
        "stride": _list(STRIDE, 1),
        "llm_top10": _list(_id(ids.LLM_CITED)),
        "asi_top10": _list(_id(ids.ASI)),
        "cwe": _list(_id(ids.CWE)),
        "atlas": _list(_id(ids.ATLAS_TECHNIQUE)),
        "multi_agent_only": BOOL,
        "mcp": {"enum": ["core", "related"]},
        "partial_mitigations": _list(MIT, 1),
        "gap_note": TEXT,
        "no_mapping": NO_MAPPING,
        **LIFECYCLE,
    },
    required=["id", "name", "kind", "description", "manifestation", "indicators", "example",
              "stride", "llm_top10", "asi_top10", "cwe", "atlas"],
)
_threat_reserved = obj({"id": THREAT, "kind": {"const": "reserved"}, "note": TEXT})

def _external(item) -> dict:
    """An external list published in editions (OWASP, MITRE): name, publisher, current edition, editions."""
    edition = obj({"edition": TEXT, "published": TEXT, "source": TEXT, "adopted": TEXT, "items": _list(item)},
                  required=["edition", "published", "items"])
    return obj({"name": TEXT, "publisher": TEXT, "current": TEXT, "editions": _list(edition, 1)})


DATA = {
    "meta": obj(
        {
            "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
            "released": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "title": TEXT,
            "citation": {"type": "string", "pattern": r"\{id\}.*\{version\}"},
            "site_url": {"type": "string", "pattern": "^https://.+/$"},
            "upstream": {"type": "object", "additionalProperties": {"type": "string"}},
            "sources": _list(obj({"document": TEXT, "version": TEXT, "date": TEXT}), 1),
            "id_authority": _list(obj({"ids": TEXT, "authority": TEXT}), 1),
            "counts": obj({
                "threats": obj({"core": INT, "extended": INT, "reserved": INT}),
                "blindspots": INT, "considerations": INT,
                "checklist_items": {"type": "object", "propertyNames": {"pattern": "^(L[1-7]|CL|BV)$"}, "additionalProperties": INT},
                "mitigations": {"type": "object", "propertyNames": {"pattern": ids.full(ids.LAYER)},
                                "additionalProperties": {"type": "array", "items": INT, "minItems": 4, "maxItems": 4}},
            }),
        }
    ),
    "layers": obj(
        {
            "layers": _list(
                obj(
                    {
                        "id": LAYER,
                        "name": TEXT,
                        "short_label": TEXT,
                        "vertical": BOOL,
                        "summary": TEXT,
                        "description": TEXT,
                        "components": _list(TEXT),
                        "key_questions": _list(TEXT, 1),
                    },
                    required=["id", "name", "short_label", "summary", "description", "components", "key_questions"],
                ),
                8,
            )
        }
    ),
    "threats": obj(
        {
            "threats": _list({"if": {"properties": {"kind": {"const": "reserved"}}, "required": ["kind"]},
                              "then": _threat_reserved, "else": _threat_active}, 1),
            "considerations": _list(
                obj(
                    {
                        "key": SLUG,
                        "name": TEXT,
                        "layer": LAYER7,
                        "description": TEXT,
                        "related_threats": _list(THREAT, 1),
                        "llm_top10": _list(_id(ids.LLM_CITED)),
                    },
                    required=["key", "name", "layer", "description", "related_threats"],
                )
            ),
        }
    ),
    "mapping": obj(
        {
            "mapping": _list(
                {
                    "type": "object",
                    "properties": {"threat": THREAT},
                    "patternProperties": {ids.full(ids.LAYER): {"enum": ["primary", "secondary"]}},
                    "required": ["threat"],
                    "minProperties": 2,
                    "additionalProperties": False,
                },
                1,
            )
        }
    ),
    "mitigations": obj(
        {
            "types": _list(
                obj({"letter": {"enum": ["P", "D", "C", "R"]}, "key": {"enum": ["preventive", "detective", "corrective", "deterrent"]},
                     "name": TEXT, "timing": TEXT, "purpose": TEXT, "when_to_use": TEXT}),
                4,
            ),
            "mitigations": _list(
                obj(
                    {
                        "id": MIT,
                        "name": TEXT,
                        "addresses": _list(THREAT),
                        "scope": {"enum": ["all", "cross-layer"]},
                        "patterns": _list({"type": "integer", "minimum": 1}, 1),
                        "considerations": _list(SLUG, 1),
                        "description": TEXT,
                        "implementation": _list(TEXT, 1),
                        "atlas_mitigations": _list(_id(ids.ATLAS_MITIGATION), 1),
                        **LIFECYCLE,
                    },
                    required=["id", "name", "addresses", "description", "implementation"],
                ),
                1,
            ),
        }
    ),
    "blindspots": obj(
        {
            "blindspots": _list(
                obj(
                    {
                        "id": BV,
                        "name": TEXT,
                        "layers": _list(LAYER7, 1),
                        "related_threats": _list(THREAT, 1),
                        "suggested_mitigations": _list(MIT, 1),
                        "llm_top10": _list(_id(ids.LLM_CITED)),
                        "asi_top10": _list(_id(ids.ASI)),
                        "cwe": _list(_id(ids.CWE)),
                        "atlas": _list(_id(ids.ATLAS_TECHNIQUE)),
                        "no_mapping": NO_MAPPING,
                        **LIFECYCLE,
                        **_prose_fields(),
                    },
                    required=["id", "name", "layers", "related_threats", "suggested_mitigations", "llm_top10", "asi_top10", "cwe", "atlas",
                              *_prose_fields()],
                ),
                1,
            )
        }
    ),
    "checklists": obj(
        {
            "sections": _list(
                obj(
                    {
                        "id": {"type": "string", "pattern": "^(L[1-7]|CL|BV)$"},
                        "title": TEXT,
                        "items": _list(
                            obj(
                                {
                                    "id": _id(ids.CHECK_ITEM),
                                    "text": TEXT,
                                    "refs": _list({"anyOf": [THREAT, BV]}),
                                    "llm_top10": _list(_id(ids.LLM_CITED), 1),
                                },
                                required=["id", "text", "refs"],
                            ),
                            1,
                        ),
                    }
                ),
                1,
            )
        }
    ),
    "patterns": obj(
        {
            "patterns": _list(
                obj(
                    {
                        "n": {"type": "integer", "minimum": 1},
                        "name": TEXT,
                        "layers": _list(LAYER7, 2),
                        "single_agent": BOOL,
                        "threats": _list(THREAT, 1),
                        "mitigations": _list(MIT, 1),
                        "description": TEXT,
                        "steps": _list(obj({"layer": LAYER7, "text": TEXT}), 2, unique=False),
                    }
                ),
                1,
            ),
            "key_threats": _list(obj({"label": TEXT, "threats": _list(THREAT, 1)}), 1),
        }
    ),
    "risk-factors": obj(
        {
            "factors": _list(
                obj(
                    {
                        "key": {"enum": ["non_determinism", "autonomy", "identity", "a2a"]},
                        "n": INT,
                        "name": TEXT,
                        "summary": TEXT,
                        "description": TEXT,
                        "per_layer": {"type": "object", "propertyNames": {"pattern": ids.full(ids.LAYER)},
                                      "additionalProperties": TEXT, "minProperties": 8},
                        "single_agent": {"enum": ["full", "reduced"]},
                    }
                ),
                4,
            )
        }
    ),
    "phases": obj(
        {
            "phases": _list(
                obj(
                    {
                        "n": PHASE,
                        "name": TEXT,
                        "objective": TEXT,
                        "inputs": _list(TEXT, 1),
                        "steps": _list(TEXT, 1),
                        "outputs": _list(TEXT, 1),
                        "output_file": {"type": "string", "pattern": r"^(0[1-9]|10)-[a-z0-9-]+\.md$"},
                        "templates": _list(TEXT),
                        "agent_driven": BOOL,
                        "depends_on": _list(PHASE),
                        "considerations": obj({k: TEXT for k in ("non_determinism", "autonomy", "identity", "a2a")}),
                    }
                ),
                10,
            ),
            "flow": obj({k: _list(PHASE, 1) for k in ("parallel_after_2", "strictly_sequential", "lightweight_phases", "lightweight_skipped",
                                                        "skippable_with_reason")}),
            "reentry": _list(obj({"change": TEXT, "re_enter_at": PHASE}), 1),
        }
    ),
    "depth": obj(
        {
            "questions": _list(obj({"n": INT, "text": TEXT}), 5),
            "depths": _list(
                obj({"key": {"enum": ["full", "standard", "lightweight"]}, "name": TEXT, "when": TEXT, "phases": TEXT,
                     "layers": _list(LAYER, 1), "effort": TEXT}),
                3,
            ),
            "rules": obj({"first_yes_decides_depth": BOOL, "multi_agent_adds_all_layers": BOOL}),
            "mvtm": _list(TEXT, 10),
        }
    ),
    "scoring": obj(
        {
            "severity": _list(obj({"level": LEVEL4, "meaning": TEXT}), 4),
            "likelihood": _list(obj({"level": LIKELIHOOD, "meaning": TEXT}), 4),
            "matrix": {"type": "object", "propertyNames": LEVEL4, "additionalProperties": {
                "type": "object", "propertyNames": LIKELIHOOD, "additionalProperties": LEVEL4}},
            "risk_levels": _list(obj({"level": LEVEL4, "value": INT, "action": TEXT, "timeframe": TEXT}), 4),
            "attack_vector": _list(obj({"value": {"enum": ["Network", "Adjacent", "Local", "Physical"]}, "effect": TEXT, "meaning": TEXT}), 4),
            "attack_complexity": _list(obj({"value": {"enum": ["Low", "High"]}, "effect": TEXT, "meaning": TEXT}), 2),
            "implementation_status": _list(obj({"status": TEXT, "key": {"enum": ["not", "partial", "implemented"]},
                                                "value": {"type": "number", "minimum": 0, "maximum": 1}}), 3),
            "effective_risk": obj({"formula": TEXT, "min": {"type": "number"}, "max": {"type": "number"},
                                   "multiple_mitigations": {"const": "mean-of-required-types"},
                                   "partial_coverage_value": {"type": "number"}}),
            "cost": _list(obj({"level": LEVEL3, "meaning": TEXT}), 3),
            "effectiveness": _list(obj({"level": LEVEL3, "meaning": TEXT}), 3),
            "cost_effectiveness": {"type": "object", "propertyNames": LEVEL3, "additionalProperties": {
                "type": "object", "propertyNames": LEVEL3, "additionalProperties": TEXT}},
            "required_controls": {"type": "object", "propertyNames": LEVEL4, "additionalProperties":
                                  _list({"enum": ["preventive", "detective", "corrective", "deterrent"]})},
            "gap_flags": _list(obj({"key": SLUG, "severity": {"enum": ["error", "warning"]}, "meaning": TEXT}), 1),
            "prioritisation": _list(TEXT, 1),
            "review_schedule": {"type": "object", "propertyNames": LEVEL4, "additionalProperties": TEXT},
            "dispositions": _list(TEXT, 1),
            "remediation_buckets": _list(obj({"bucket": TEXT, "days": TEXT, "rule": TEXT}), 4),
        }
    ),
    "templates": obj(
        {
            "templates": _list(
                obj(
                    {
                        "key": SLUG,
                        "name": TEXT,
                        "phases": _list(PHASE, 1),
                        "purpose": TEXT,
                        "id_format": TEXT,
                        "fields": _list(obj({"name": TEXT, "values": _list(TEXT, 1), "hint": TEXT, "examples": _list(TEXT, 1)},
                                            required=["name"]), 1),
                        "columns": _list(TEXT, 1),
                        "rows": {"enum": ["layers"]},
                        "tables": _list(obj({"title": TEXT, "columns": _list(TEXT, 1), "rows": {"enum": ["layers+total", "severity"]}}), 1),
                    },
                    required=["key", "name", "phases", "purpose"],
                ),
                13,
            )
        }
    ),
    "frameworks": obj(
        {
            "stride": _list(obj({"letter": {"enum": list("STRIDE")}, "name": STRIDE, "agentic_focus": TEXT}), 6),
            "llm_top10": _external(obj({"id": _id(ids.LLM), "name": TEXT, "layers": _list(LAYER, 1), "was_2025": _id(ids.LLM),
                                        "unmapped": TEXT}, required=["id", "name"])),
            "asi_top10": _external(obj({"id": _id(ids.ASI), "name": TEXT, "former_names": _list(TEXT, 1)}, required=["id", "name"])),
            "agentic_threats": _external(obj({"id": _id(ids.THREAT), "name": TEXT, "nearest": _list(THREAT, 1)})),
            "cwe": {"type": "object", "propertyNames": {"pattern": ids.full(ids.CWE)}, "additionalProperties": TEXT},
            "layer_tactics": {"type": "object", "propertyNames": {"pattern": "^L[1-7]$"}, "additionalProperties": obj(
                {"atlas": _list(_id(ids.ATLAS_TACTIC)), "attack": _list(TEXT)})},
            "combinations": _list(obj({"scenario": TEXT, "use": _list(TEXT, 1)}), 1),
            "regulatory": _list({"type": "object", "required": ["framework", "year"]}, 1),
        }
    ),
    "atlas": obj(
        {
            "source": obj({"name": TEXT, "edition": {"type": "string", "pattern": "^[0-9]{4}\\.[0-9]{2}$"}, "basis": TEXT,
                           "technique_url": TEXT, "mitigation_url": TEXT, "tactic_url": TEXT}),
            "tactics": _list(obj({"id": _id(ids.ATLAS_TACTIC), "name": TEXT}), 1),
            "techniques": _list(obj({"id": _id(ids.ATLAS_TECHNIQUE), "name": TEXT, "tactics": _list(_id(ids.ATLAS_TACTIC), 1),
                                     "parent": _id(ids.ATLAS_TECHNIQUE), "added_in": TEXT}, required=["id", "name"]), 1),
            "mitigations": _list(obj({"id": _id(ids.ATLAS_MITIGATION), "name": TEXT, "added_in": TEXT}, required=["id", "name"]), 1),
            "retired": _list(obj({"id": {"type": "string", "pattern": "^AML\\.[TM][0-9]{4}(\\.[0-9]{3})?$"}, "name": TEXT,
                                  "retired_in": TEXT, "replaced_by": TEXT})),
            "renamed": _list(obj({"id": TEXT, "former_name": TEXT, "renamed_in": TEXT})),
        }
    ),
    "case-studies": obj(
        {
            "cases": _list(
                obj(
                    {
                        "id": {"type": "string", "pattern": "^[A-Z]$"},
                        "name": TEXT,
                        "threats": _list(THREAT, 1),
                        "patterns": _list(INT, 1),
                        "summary": TEXT,
                        "findings": {"type": "object", "propertyNames": {"pattern": ids.full(ids.THREAT)}, "additionalProperties": TEXT},
                        "lessons": _list(TEXT, 1),
                    },
                    required=["id", "name", "threats", "summary", "findings", "lessons"],
                ),
                1,
            )
        }
    ),
    "glossary": obj(
        {
            "terms": _list(obj({"term": TEXT, "definition": TEXT}), 1),
            "acronyms": _list(obj({"acronym": TEXT, "expansion": TEXT, "note": TEXT}), 1),
        }
    ),
    "decisions": obj(
        {
            "decisions": _list(obj({"id": _id(ids.DEFECT), "topic": TEXT, "decision": TEXT, "where": _list(TEXT, 1)}), 1),
            "rulings": _list(obj({"id": _id(ids.RULING), "topic": TEXT, "decision": TEXT, "where": _list(TEXT, 1)}), 1),
        }
    ),
}


def data_schema(name: str) -> dict:
    """The published schema of one data file."""
    return {"$schema": DRAFT, "$id": f"{BASE}data/{name}.schema.json", "title": f"MAESTRO data file {name}.yaml", **DATA[name]}
