"""JSON Schemas (draft 2020-12) for every data file.

The schemas check shape: required fields, types, enumerations and ID formats. What a schema
cannot express (references between files, numbering, word counts) is checked in crossref.py.
Every field carries a "description" (DESCRIPTIONS below), the same meaning the data file's
header comment gives it.
They are published with the site under /schemas/.
"""
from __future__ import annotations

import re

from . import crosswalk, ids, urls
from .crosswalk import ASI_TOP10, ATLAS, ATLAS_MITIGATIONS, ATLAS_TACTICS, CWE, LLM_TOP10, NO_MAPPING, STRIDE

DRAFT = "https://json-schema.org/draft/2020-12/schema"
BASE = urls.SCHEMA_BASE


def _id(rx):
    return {"type": "string", "pattern": ids.full(rx)}


def _list(item, min_items=0, unique=True):
    """An array of ``item``; ``unique``: no two items alike. Entries that carry an ``id`` are left to the loader, which
    refuses a duplicated ID with its file and line (crossref.check_unique); jsonschema would compare every pair of
    objects, a large share of the validation time."""
    s = {"type": "array", "items": item, "minItems": min_items}
    if unique and not _has_id(item):
        s["uniqueItems"] = True
    return s


def _has_id(item) -> bool:
    """Whether the entries of a list are objects with an ``id`` (threats through their if/then/else)."""
    return any("id" in (part.get("properties") or {}) for part in (item, item.get("then") or {}, item.get("else") or {}))


TEXT = {"type": "string", "minLength": 1}
ALIASES = {"type": "array", "items": {"type": "string", "pattern": "^\\S(?:[^\\n]{0,58}\\S)?$"}, "uniqueItems": True, "minItems": 1}
"""The terms practitioners search for an entry by: one line each, 1 to 60 characters, no outer spaces."""
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
THREAT = _id(ids.THREAT)
MIT = _id(ids.MITIGATION)
BV = _id(ids.BLINDSPOT)
LAYER = _id(ids.LAYER)
LAYER7 = {"type": "string", "pattern": "^L[1-7]$"}
STRIDE_NAME = {"enum": ["Spoofing", "Tampering", "Repudiation", "Information Disclosure", "Denial of Service", "Elevation of Privilege"]}
LEVEL4 = {"enum": ["Low", "Medium", "High", "Critical"]}
LIKELIHOOD = {"enum": ["Unlikely", "Possible", "Likely", "Very Likely"]}
LEVEL3 = {"enum": ["Low", "Medium", "High"]}
SLUG = {"type": "string", "pattern": "^[a-z0-9]+(?:[-_][a-z0-9]+)*$"}
PHASE = {"type": "integer", "minimum": 1, "maximum": 10}
SWEEP_WEAKNESS = r"SW-[0-9]{3}"                    # a weakness of the sweep rule pack (data/sweep.yaml)
SWEEP_RULE = r"SW-(?:PY|JS|GO|DF|YML)-[0-9]{3}"   # one of its rules: area, then the weakness number


def _https(tail: str = "") -> dict:
    """An address that becomes a link on the site: https only (never javascript:, data: or http:), a host, an optional
    port, then a path without spaces, quotes, angle brackets, backslashes or backticks (ATLAS's patterns keep {id}),
    up to the very end of the string (``(?![\\s\\S])``: Python's ``$`` would let a final newline through)."""
    return {"type": "string", "pattern": "^https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\\s\"'<>\\\\`]*)?" + tail + "(?![\\s\\S])"}


URL = _https()
SITE_URL = _https("/")
URL_TEMPLATE = {"type": "string", "pattern": "^https://[A-Za-z0-9.-]+(?::[0-9]+)?/[^\\s\"'<>\\\\`{}]*\\{(?:id|number)\\}[^\\s\"'<>\\\\`{}]*(?![\\s\\S])"}
"""The URL pattern of one external ID's page (crosswalk.url): an https address (as URL) with exactly one placeholder,
{id} (the ID) or {number} (its digits), and no other braces."""
HTTPS_URL = re.compile(URL["pattern"])
"""The same rule for code: crossref.py checks every address in data with it (``fullmatch``), the renderer every link."""
URL_KEY = r"(?:^(?:home|homepage|url|link|href|repository|website)|_(?:url|link|href))(?![\s\S])"
r"""Field names that hold an address wherever they appear; free-form maps check them with patternProperties. The pattern
ends in ``(?![\s\S])``, not ``$``, which would also match before a final newline."""


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


LAYER_TACTICS = crosswalk.CARRIERS["layer tactics"][1]
"""The frameworks.yaml block that carries the ATLAS tactics of each layer."""


def _ids_of(field: crosswalk.CrosswalkField, min_items=0) -> dict:
    """A list of one crosswalk field's IDs (crosswalk.py), each of the field's shape."""
    return _list(_id(field.id_pattern), min_items)


# The external mappings a threat or blindspot carries (crosswalk.MAPPINGS; LLM entries with their edition: LLM01:2025).
CROSSWALK_FIELDS = {f.name: _ids_of(f) for f in crosswalk.MAPPINGS}
# Real incidents that show a threat or blindspot happening (optional; none is no claim).
EVIDENCE_FIELDS = {crosswalk.ATLAS_CASE_STUDIES.name: _ids_of(crosswalk.ATLAS_CASE_STUDIES, 1)}
# Why a crosswalk field is empty: {field: reason}. Every empty list of crosswalk.MAPPINGS needs one.
NO_MAPPING_REASONS = {"type": "object", "propertyNames": {"enum": list(crosswalk.MAPPING_NAMES)}, "additionalProperties": TEXT,
                      "minProperties": 1}


def _why(key) -> dict:
    """Why each link holds: {linked ID: one sentence of our own}. On a control the keys are threats it addresses, on
    a blindspot the controls it suggests; crossref.py checks that every key is linked and every link has a reason."""
    return {"type": "object", "propertyNames": {"pattern": ids.full(key)}, "additionalProperties": TEXT, "minProperties": 1}


_threat_active = obj(
    {
        "id": THREAT,
        "name": TEXT,
        "aliases": ALIASES,
        "short_label": TEXT,
        "kind": {"enum": ["core", "extended"]},
        **_prose_fields(),
        STRIDE.name: _list(STRIDE_NAME, 1),
        **CROSSWALK_FIELDS,
        **EVIDENCE_FIELDS,
        "multi_agent_only": BOOL,
        "mcp": {"enum": ["core", "related"]},
        "partial_mitigations": _list(MIT, 1),
        "gap_note": TEXT,
        NO_MAPPING: NO_MAPPING_REASONS,
        **LIFECYCLE,
    },
    required=["id", "name", "kind", "description", "manifestation", "indicators", "example",
              STRIDE.name, *crosswalk.MAPPING_NAMES],
)
_threat_reserved = obj({"id": THREAT, "kind": {"const": "reserved"}, "note": TEXT})

def _external(item) -> dict:
    """An external list published in editions (OWASP, MITRE): name, publisher, current edition, editions."""
    edition = obj({"edition": TEXT, "published": TEXT, "source": TEXT, "adopted": TEXT, "items": _list(item)},
                  required=["edition", "published", "items"])
    return obj({"name": TEXT, "publisher": TEXT, "current": TEXT, "home": URL, "editions": _list(edition, 1)},
               required=["name", "publisher", "current", "editions"])


DATA = {
    "meta": obj(
        {
            "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
            "released": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "title": TEXT,
            "citation": {"type": "string", "pattern": r"\{id\}.*\{version\}"},
            "site_url": SITE_URL,
            "upstream": {"type": "object", "patternProperties": {URL_KEY: URL}, "additionalProperties": {"type": "string"}},
            "sources": _list(obj({"document": TEXT, "version": TEXT, "date": TEXT}), 1),
            "id_authority": _list(obj({"ids": TEXT, "authority": TEXT}), 1),
            "counts": obj({
                "threats": obj({"core": INT, "extended": INT, "reserved": INT}),
                "blindspots": INT, "considerations": INT,
                "checklist_items": {"type": "object", "propertyNames": {"pattern": "^(L[1-7]|CL|BV)$"}, "additionalProperties": INT},
                "mitigations": {"type": "object", "propertyNames": {"pattern": ids.full(ids.LAYER)},
                                "additionalProperties": {"type": "array", "items": INT, "minItems": 4, "maxItems": 4}},
            }),
        },
        required=["version", "released", "title", "citation", "upstream", "sources", "id_authority", "counts"],
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
                        LLM_TOP10.name: _ids_of(LLM_TOP10),
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
                        "aliases": ALIASES,
                        "addresses": _list(THREAT),
                        "why": _why(ids.THREAT),
                        "scope": {"enum": ["all", "cross-layer"]},
                        "patterns": _list({"type": "integer", "minimum": 1}, 1),
                        "considerations": _list(SLUG, 1),
                        "description": TEXT,
                        "implementation": _list(TEXT, 1),
                        ATLAS_MITIGATIONS.name: _ids_of(ATLAS_MITIGATIONS, 1),
                        **LIFECYCLE,
                    },
                    required=["id", "name", "addresses", "description", "implementation"],
                ),
                1,
            ),
        }
    ),
    "guides": obj(
        {
            "guides": _list(
                obj({"page": {"type": "string", "pattern": "^(guides/[a-z0-9-]+|agents)\\.md$"}, "aliases": ALIASES},
                    required=["page", "aliases"]),
                1,
            )
        }
    ),
    "blindspots": obj(
        {
            "blindspots": _list(
                obj(
                    {
                        "id": BV,
                        "name": TEXT,
                        "aliases": ALIASES,
                        "layers": _list(LAYER7, 1),
                        "related_threats": _list(THREAT, 1),
                        "suggested_mitigations": _list(MIT, 1),
                        "why": _why(ids.MITIGATION),
                        **CROSSWALK_FIELDS,
                        **EVIDENCE_FIELDS,
                        NO_MAPPING: NO_MAPPING_REASONS,
                        **LIFECYCLE,
                        **_prose_fields(),
                    },
                    required=["id", "name", "layers", "related_threats", "suggested_mitigations", *crosswalk.MAPPING_NAMES,
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
                                    "no_refs": TEXT,
                                    LLM_TOP10.name: _ids_of(LLM_TOP10, 1),
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
            "questions": _list(obj({"n": INT, "text": TEXT, "yes_means": {"enum": ["full", "standard"]}, "adds_all_layers": BOOL},
                                   required=["n", "text", "yes_means"]), 5),
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
            "remediation_buckets": _list(obj({"bucket": TEXT, "days": TEXT, "rule": TEXT, "takes": _list(obj({
                "level": {"enum": ["any", "Low", "Medium", "High", "Critical"]}, "credit": {"enum": ["none", "some", "open", "full", "any"]}}), 1)}), 4),
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
            STRIDE.listed_in[1]: _list(obj({"letter": {"enum": list("STRIDE")}, "name": STRIDE_NAME, "agentic_focus": TEXT}), 6),
            LLM_TOP10.listed_in[1]: _external(obj({"id": _id(ids.LLM), "name": TEXT, "layers": _list(LAYER, 1), "was_2025": _id(ids.LLM),
                                        "unmapped": TEXT}, required=["id", "name"])),
            ASI_TOP10.listed_in[1]: _external(obj({"id": _id(ids.ASI), "name": TEXT, "former_names": _list(TEXT, 1)}, required=["id", "name"])),
            "agentic_threats": _external(obj({"id": _id(ids.THREAT), "name": TEXT, "nearest": _list(THREAT, 1)})),
            CWE.listed_in[1]: {"type": "object", "propertyNames": {"pattern": ids.full(CWE.id_pattern)}, "additionalProperties": TEXT},
            CWE.url_from[1]: obj({"home": URL, CWE.url_from[2]: URL_TEMPLATE}),
            LAYER_TACTICS: {"type": "object", "propertyNames": {"pattern": "^L[1-7]$"}, "additionalProperties": obj(
                {ATLAS_TACTICS.name: _ids_of(ATLAS_TACTICS), "attack": _list(TEXT)})},
            "combinations": _list(obj({"scenario": TEXT, "use": _list(TEXT, 1)}), 1),
            "regulatory": _list({"type": "object", "required": ["framework", "year"], "patternProperties": {URL_KEY: URL}}, 1),
        }
    ),
    "atlas": obj(
        {
            "source": obj({"name": TEXT, "edition": {"type": "string", "pattern": "^[0-9]{4}\\.[0-9]{2}$"}, "basis": TEXT,
                           "home": URL, "case_studies_url": URL,
                           **{f.url_from[2]: URL_TEMPLATE for f in (ATLAS, ATLAS_MITIGATIONS, ATLAS_TACTICS, crosswalk.ATLAS_CASE_STUDIES)}}),
            "tactics": _list(obj({"id": _id(ids.ATLAS_TACTIC), "name": TEXT}), 1),
            "techniques": _list(obj({"id": _id(ids.ATLAS_TECHNIQUE), "name": TEXT, "tactics": _list(_id(ids.ATLAS_TACTIC), 1),
                                     "parent": _id(ids.ATLAS_TECHNIQUE), "added_in": TEXT}, required=["id", "name"]), 1),
            "mitigations": _list(obj({"id": _id(ids.ATLAS_MITIGATION), "name": TEXT, "added_in": TEXT}, required=["id", "name"]), 1),
            "retired": _list(obj({"id": {"type": "string", "pattern": "^AML\\.[TM][0-9]{4}(\\.[0-9]{3})?$"}, "name": TEXT,
                                  "retired_in": TEXT, "replaced_by": TEXT})),
            "renamed": _list(obj({"id": TEXT, "former_name": TEXT, "renamed_in": TEXT})),
            "case_studies": _list(obj({"id": _id(ids.ATLAS_CASE_STUDY), "name": TEXT, "incident_date": TEXT}, required=["id", "name"])),
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
            "rulings": _list(obj({"id": _id(ids.RULING), "topic": TEXT, "decision": TEXT, "where": _list(TEXT, 1),
                                  "extends": _list(obj({"id": TEXT, "field": {"enum": ["addresses", "layers"]}, "adds": _list(TEXT, 1)}), 1)},
                                 required=["id", "topic", "decision", "where"]), 1),
        }
    ),
    # The sweep rule pack (`maestro sweep`): weaknesses with their threats and control, one rule per language; the
    # matching logic of each rule is data/sweep/<rule id>.yaml, written for the engine named here.
    "sweep": obj(
        {
            "engine": obj({"name": {"const": "semgrep"}, "version": VERSION}),
            "weaknesses": _list(obj({
                "id": _id(SWEEP_WEAKNESS),
                "name": TEXT,
                "why": TEXT,
                "threats": _list(THREAT, 1),
                "control": MIT,
                "rules": _list(obj({"id": _id(SWEEP_RULE), CWE.name: _ids_of(CWE, 1), "finds": TEXT}), 1),
            }), 1),
        }
    ),
}


# ------------------------------------------------------------------ field descriptions
# The meaning of every field, published in the schemas as "description". The header comment of
# each data file explains the same fields for a reader of the YAML; tests/test_schema_docs.py
# checks that the two name the same fields. Keys are a property name, or a dotted path of
# property names where one name means different things in one file (the longest match wins).
_LIFECYCLE_DOCS = {
    "status": "Lifecycle of the ID: active (default), deprecated (page kept, left out of every list) or revoked (page redirects).",
    "deprecated": "Why and in which knowledge-base version the ID was deprecated; required with status deprecated.",
    "revoked": "Which active ID of the same type replaces this one, why, and since which version; required with status revoked.",
    "reason": "One sentence on why.",
    "version": "Knowledge-base version (x.y.z) in which the change took effect.",
    "replaced_by": "The active ID that takes over.",
}
# The crosswalk fields (maestro/crosswalk.py) of threats and blindspots; the data file headers say the same.
_CROSSWALK_DOCS = {
    LLM_TOP10.name: "OWASP Top 10 for LLM Applications entries, each written with its edition as OWASP writes it (LLM01:2025).",
    ASI_TOP10.name: "OWASP Top 10 for Agentic Applications IDs (ASI01..ASI10) of its current edition that this entry maps to.",
    CWE.name: "CWE IDs; each must be named in frameworks.yaml.",
    ATLAS.name: "MITRE ATLAS technique IDs of the pinned edition; each must be listed in atlas.yaml.",
    crosswalk.ATLAS_CASE_STUDIES.name: "MITRE ATLAS case studies (AML.CS....) that show it happening; each must be listed in atlas.yaml.",
    NO_MAPPING: "For each of the four crosswalk lists left empty, one sentence on why nothing fits.",
}
_PROSE_DOCS = {
    "description": "What it is and why agent systems make it worse.",
    "manifestation": "Where and how it shows up in real agent deployments.",
    "indicators": "Observable signals that point to it.",
    "example": "One concrete scenario.",
}
_EDITIONS_DOCS = {
    "name": "The list's name as its publisher gives it.",
    "publisher": "Who publishes the list.",
    "current": "The edition this knowledge base treats as current.",
    "home": "Where a reader opens the list (linked from Further reading on threat and blindspot pages).",
    "editions": "Every edition the knowledge base knows, oldest first.",
    "editions.edition": "Edition label, as the publisher writes it.",
    "editions.published": "Publication date of the edition.",
    "editions.adopted": "Knowledge-base version that first carried the edition.",
    "editions.source": "Where the edition is published.",
    "editions.items": "The entries of the edition.",
    "editions.items.id": "Entry ID as the publisher writes it.",
    "editions.items.name": "Entry title as published.",
}
DESCRIPTIONS: dict[str, dict[str, str]] = {
    "meta": {
        "version": "Semantic version of this knowledge base; cited after an ID, as in MAESTRO T12 (v1.1.0).",
        "released": "Release date of this version.",
        "title": "Title of the site.",
        "citation": "How to cite an ID; {id} and {version} are filled in.",
        "site_url": "Optional: the address the site is published at (https); SITE_URL at build time sets it instead.",
        "upstream": "The upstream playbook whose facts (IDs, names, numbers, mappings) this knowledge base carries.",
        "sources": "The documents the taxonomy and method rest on.",
        "sources.document": "Title of the source document.",
        "sources.version": "Version of the source document.",
        "sources.date": "Date of that version.",
        "id_authority": "Which party owns which range of IDs.",
        "id_authority.ids": "The ID range.",
        "id_authority.authority": "Who assigns and owns IDs in that range.",
        "counts": "How many entries the data holds, declared so that a lost or added entry is noticed.",
        "counts.threats": "Threats by kind.",
        "counts.threats.core": "Number of core threats.",
        "counts.threats.extended": "Number of extended threats.",
        "counts.threats.reserved": "Number of reserved threat IDs.",
        "counts.blindspots": "Number of blindspots.",
        "counts.considerations": "Number of unnumbered threat considerations.",
        "counts.checklist_items": "Checklist items per section.",
        "counts.mitigations": "Mitigations per layer, as counts of preventive, detective, corrective and deterrent controls.",
    },
    "layers": {
        "layers": "The seven architectural layers and the cross-layer dimension, in order.",
        "id": "L1..L7, or CL for the cross-layer dimension; never changes and names the layer's page.",
        "name": "Canonical layer name, used everywhere on the site.",
        "short_label": "Compact label for narrow places such as matrix column heads.",
        "vertical": "True for the single layer that runs through all the others (L6).",
        "summary": "One sentence on what the layer covers.",
        "description": "What belongs to the layer, what makes it risky in agent systems, and its neighbours.",
        "components": "Typical components an engineer places at this layer in Phase 2.",
        "key_questions": "Questions to ask about one's own system at this layer.",
    },
    "threats": {
        "threats": "One entry per threat ID, in numeric order, reserved IDs included.",
        "id": "T<n>; stable forever and names the threat's page.",
        "name": "Canonical name from the taxonomy; the only name shown next to the ID.",
        "aliases": "Other terms practitioners search for this entry by: attack names, synonyms, abbreviations, other frameworks' IDs; shown as \"Also known as\" and weighted in search.",
        "short_label": "Optional compact label for narrow tables.",
        "kind": "core (T1-T15, OWASP), extended (T16 and up, this playbook; meta.yaml counts them) or reserved.",
        **_PROSE_DOCS,
        STRIDE.name: "STRIDE categories the threat falls under.",
        **_CROSSWALK_DOCS,
        "multi_agent_only": "True when the threat needs several agents, so single-agent systems skip it.",
        "mcp": "The threat's role in MCP deployments: core or related.",
        "partial_mitigations": "Catalog controls that partly help against a threat no control addresses.",
        "gap_note": "Why the threat has no catalog control at all.",
        "note": "For a reserved ID: what the reservation is kept for.",
        **_LIFECYCLE_DOCS,
        "considerations": "Threats the taxonomy names without an ID; no page of their own, never cited by ID.",
        "considerations.key": "Stable slug that refers to the consideration inside data/.",
        "considerations.name": "The name the taxonomy gives it.",
        "considerations.layer": "Layer under which the taxonomy lists it.",
        "considerations.description": "What the consideration is.",
        "considerations.related_threats": "Numbered threats closest to it.",
        f"considerations.{LLM_TOP10.name}": "LLM Top 10 2025 entries the taxonomy tags it with.",
    },
    "mapping": {
        "mapping": "One row per threat: the layers it touches, each marked primary or secondary.",
        "threat": "Threat ID of the row (never a reserved one).",
    },
    "mitigations": {
        "types": "The four control types, in the order P, D, C, R.",
        "letter": "Type letter, the type part of a mitigation ID: P, D, C or R.",
        "key": "Lower-case type key: preventive, detective, corrective or deterrent.",
        "types.name": "Type name shown on the site.",
        "timing": "When a control of this type acts.",
        "purpose": "What a control of this type is for.",
        "when_to_use": "When to reach for this type.",
        "mitigations": "One entry per control, in catalog order.",
        "id": "<layer>-<type letter><n> (L3-D2, CL-P1): the layer and type are read from the ID; numbers run from 1 per layer and type.",
        "name": "Canonical control name.",
        "aliases": "Other terms practitioners search for this entry by: attack names, synonyms, abbreviations, other frameworks' IDs; shown as \"Also known as\" and weighted in search.",
        "addresses": "Threat IDs the control addresses; the reverse index is computed on load.",
        "why": ("Why the control applies to each threat it addresses: {threat ID: one sentence}. Threat pages show it; a threat "
                "without one gets the description sentence naming it, and one that no sentence names must have a reason here."),
        "scope": "For a control aimed at no single threat: all (every threat) or cross-layer (every cross-layer chain).",
        "patterns": "Cross-layer pattern numbers the control targets.",
        "considerations": "Keys of unnumbered threat considerations the control targets.",
        ATLAS_MITIGATIONS.name: "ATLAS mitigation IDs of the pinned edition for the same kind of control.",
        "description": "What the control does, what it reduces and where it stops.",
        "implementation": "Practical notes on building the control.",
        **_LIFECYCLE_DOCS,
    },
    "guides": {
        "guides": "The guide pages, each with the terms practitioners search for it by.",
        "page": "The guide's source path under docs/ (guides/<name>.md or agents.md); the build refuses a page that does not exist.",
        "aliases": "Terms people search for the guide by; shown as \"Also known as\" under its title and weighted in search.",
    },
    "blindspots": {
        "blindspots": "Threat classes the numbered taxonomy covers poorly, to be scanned for explicitly.",
        "id": "BV-<n>; stable, names the blindspot's page.",
        "name": "Canonical blindspot name.",
        "aliases": "Other terms practitioners search for this entry by: attack names, synonyms, abbreviations, other frameworks' IDs; shown as \"Also known as\" and weighted in search.",
        "layers": "Layers where the blindspot shows up.",
        "related_threats": "Numbered threats it sits closest to or slips between.",
        "suggested_mitigations": "Catalog controls that apply to the blindspot.",
        "why": "Why each suggested control applies: {mitigation ID: one sentence}; every suggested control has one.",
        **_CROSSWALK_DOCS,
        **_PROSE_DOCS,
        **_LIFECYCLE_DOCS,
    },
    "checklists": {
        "sections": "Checklist sections in the order Phase 6 uses them: one per layer, then cross-layer and blindspots.",
        "sections.id": "Section: L1..L7, CL or BV.",
        "title": "Section heading shown on the site.",
        "items": "The questions, in the order a facilitator asks them.",
        "items.id": "CK-<section>-<nn>; stable, never reused after an item is retired.",
        "text": "The question.",
        "refs": "Threat or blindspot IDs the question probes.",
        "no_refs": "Why no threat or blindspot fits, when refs is empty (required then, forbidden otherwise).",
        LLM_TOP10.name: "OWASP LLM Top 10 entries the item relates to, with their edition.",
    },
    "patterns": {
        "patterns": "The cross-layer threat patterns.",
        "n": "Pattern number, from 1.",
        "name": "Canonical pattern name, with arrows written ->.",
        "layers": "Layers the chain passes through, in order of first appearance.",
        "single_agent": "True when the pattern also applies to single-agent systems.",
        "threats": "Numbered threats that take part in the chain.",
        "mitigations": "Catalog controls that break the chain.",
        "description": "How the chain works.",
        "steps": "The chain, one step per layer hop.",
        "steps.layer": "Layer of the step.",
        "steps.text": "What happens at that step.",
        "key_threats": "Cross-layer threats to confirm during Phase 6.",
        "label": "Name of the key cross-layer threat.",
        "key_threats.threats": "Taxonomy IDs the key threat is tied to.",
    },
    "risk-factors": {
        "factors": "The four agentic risk factors that amplify every threat.",
        "key": "Stable key: non_determinism, autonomy, identity or a2a.",
        "n": "Factor number, 1..4.",
        "name": "Canonical factor name.",
        "summary": "One line for the quick-reference card.",
        "description": "What the factor is and how it amplifies threats.",
        "per_layer": "How the factor shows up at each layer, L1..L7 and CL.",
        "single_agent": "How far the factor applies to a single-agent system: full or reduced.",
    },
    "phases": {
        "phases": "The ten modeling phases, in order.",
        "n": "Phase number, 1..10.",
        "name": "Canonical phase name.",
        "objective": "What the phase is for.",
        "inputs": "What the phase needs.",
        "steps": "The phase's steps, in order, as short labels.",
        "outputs": "What the phase produces.",
        "output_file": "File name of the phase's output in an engagement folder.",
        "templates": "Names of the templates the phase fills.",
        "agent_driven": "True when an assistant can derive the phase from earlier outputs and the playbook.",
        "depends_on": "Phases that must be complete first.",
        "considerations": "One note per agentic risk factor, keyed as in risk-factors.yaml.",
        "non_determinism": "What non-determinism means for this phase.",
        "autonomy": "What autonomy means for this phase.",
        "identity": "What identity management means for this phase.",
        "a2a": "What agent-to-agent communication means for this phase.",
        "flow": "Which phases may run in parallel, which run strictly in order, and which may be skipped.",
        "parallel_after_2": "Phases that may run in any order or together once phase 2 is complete.",
        "strictly_sequential": "Phases that run strictly in this order.",
        "lightweight_phases": "Phases the lightweight path runs.",
        "lightweight_skipped": "Phases the lightweight path skips.",
        "skippable_with_reason": "Phases any depth may skip with a recorded reason.",
        "reentry": "Which phase to re-enter after a kind of change; every later phase is then revisited.",
        "change": "The kind of change.",
        "re_enter_at": "Phase to re-enter at.",
    },
    "depth": {
        "questions": "The five yes/no questions that choose the depth, in the order asked.",
        "questions.n": "Question number.",
        "questions.text": "The question.",
        "questions.yes_means": "The depth a yes sets when it is the first yes.",
        "questions.adds_all_layers": "A yes puts every layer in scope, whatever the depth.",
        "depths": "The analysis depths.",
        "key": "Depth key, as state.json records it.",
        "name": "Depth name.",
        "when": "Which answers lead to this depth.",
        "phases": "Which phases run, and how thoroughly.",
        "layers": "Layers in scope.",
        "effort": "Typical effort.",
        "rules": "How the answers decide depth and layer scope.",
        "first_yes_decides_depth": "The first question answered yes sets the depth.",
        "multi_agent_adds_all_layers": "A yes to question 5 puts all seven layers and the cross-layer dimension in scope, whatever the depth.",
        "mvtm": "The minimum viable threat model: what the lightweight path must still deliver.",
    },
    "scoring": {
        "severity": "Severity scale, lowest first.",
        "likelihood": "Likelihood scale, lowest first.",
        "level": "Level name.",
        "meaning": "Our guidance for picking this level.",
        "matrix": "Risk level for each severity (outer key) and likelihood (inner key).",
        "risk_levels": "Risk levels with their numeric value, required action and timeframe.",
        "risk_levels.value": "Numeric value, used by effective risk.",
        "action": "What the level requires.",
        "timeframe": "By when.",
        "attack_vector": "Qualitative attack-vector modifier; listed first is ranked first on ties.",
        "attack_complexity": "Qualitative attack-complexity modifier; listed first is ranked first on ties.",
        "value": "Modifier value.",
        "effect": "Effect on priority.",
        "implementation_status": "The single vocabulary of implementation status, with numeric values.",
        "implementation_status.status": "Status name.",
        "implementation_status.key": "Status key.",
        "implementation_status.value": "Control credit of the status, 0..1.",
        "effective_risk": "How effective risk is computed: risk value x (1 - control credit).",
        "formula": "The formula, written out.",
        "min": "Lowest possible effective risk.",
        "max": "Highest possible effective risk.",
        "multiple_mitigations": "How the control credit is found when several controls address a threat.",
        "partial_coverage_value": "The most credit a control covering only part of the threat can earn.",
        "cost": "Mitigation cost scale.",
        "effectiveness": "Mitigation effectiveness scale.",
        "cost_effectiveness": "Advice for each effectiveness (outer key) and cost (inner key).",
        "required_controls": "Control types every threat at a risk level must have.",
        "gap_flags": "Findings Phase 7 reports.",
        "gap_flags.key": "Flag key.",
        "gap_flags.severity": "How serious the finding is.",
        "prioritisation": "The ranking workflow, step by step.",
        "review_schedule": "How often a residual risk of each level is reviewed (Phase 9).",
        "dispositions": "What may be decided about a residual risk (Phase 9).",
        "remediation_buckets": "Roadmap buckets of Phase 10, each with a deadline.",
        "bucket": "Bucket name.",
        "days": "Deadline in days.",
        "rule": "Which threats go in the bucket.",
        "takes": "Which threats land in the bucket, as level and credit; the first bucket that takes a threat gets it.",
        "credit": "Control credit the threat must have: none, some, open (below full), full or any.",
    },
    "templates": {
        "templates": "The working templates, in the order the templates chapter presents them.",
        "key": "Stable slug: anchor on the templates page and section of skeleton files.",
        "name": "Template name.",
        "phases": "Phases that fill the template.",
        "purpose": "One sentence on what the template is for.",
        "id_format": "How records of this template are numbered.",
        "fields": "The fields of a form template.",
        "fields.name": "Field name.",
        "values": "The values allowed in the field.",
        "hint": "What to write in the field.",
        "examples": "Example entries.",
        "columns": "Column heads of a tabular template.",
        "rows": "Row labels of a tabular template; layers means one row per MAESTRO layer.",
        "tables": "The tables of a template made of several.",
        "tables.title": "Table heading.",
    },
    "frameworks": {
        STRIDE.listed_in[1]: "The STRIDE categories and what each means in agent systems.",
        "letter": "STRIDE letter.",
        f"{STRIDE.listed_in[1]}.name": "Category name.",
        "agentic_focus": "What the category means in agent systems.",
        LLM_TOP10.listed_in[1]: "OWASP Top 10 for LLM Applications, by edition.",
        ASI_TOP10.listed_in[1]: "OWASP Top 10 for Agentic Applications, by edition, titles as published.",
        "agentic_threats": "OWASP's Agentic AI Threats and Mitigations guide, by edition.",
        **{f"{lst}.{k}": v for lst in (LLM_TOP10.listed_in[1], ASI_TOP10.listed_in[1], "agentic_threats") for k, v in _EDITIONS_DOCS.items()},
        "layers": "MAESTRO layers the 2025 entry touches.",
        "was_2025": "The 2025 entry a 2026 entry continues; layers and threats are derived from it.",
        "unmapped": "On a 2025 entry no threat or blindspot maps: the reason why.",
        "former_names": "How the first release spelled the title, for maestro migrate.",
        "nearest": "The MAESTRO threats nearest to an OWASP entry that is not ours.",
        CWE.listed_in[1]: "CWE ID -> MITRE's name, one name per ID.",
        CWE.url_from[1]: "Where CWE entries are published: home, and the URL pattern of one entry's page.",
        f"{CWE.url_from[1]}.home": "Where a reader opens CWE (linked from Further reading).",
        CWE.url_from[2]: "URL pattern of a CWE entry's page; {number} is replaced by the digits of the ID (79 for CWE-79).",
        "layer_tactics": "Adversary tactics typical at each layer.",
        f"{LAYER_TACTICS}.{ATLAS_TACTICS.name}": "ATLAS tactic IDs (atlas.yaml).",
        "attack": "MITRE ATT&CK tactic names.",
        "combinations": "Which frameworks to combine for which job.",
        "scenario": "The job.",
        "use": "The frameworks to combine for it.",
        "regulatory": "How phases and layers line up with regulations and standards.",
    },
    "atlas": {
        "source": "The pinned ATLAS edition, where a reader opens ATLAS and how its pages are addressed.",
        "source.home": "Where a reader opens ATLAS (linked from Further reading).",
        "case_studies_url": "Where a reader opens the list of ATLAS case studies.",
        "edition": "Pinned edition, YYYY.MM.",
        "basis": "What the list was built from.",
        "source.name": "Name of the source.",
        "technique_url": "URL pattern of a technique page; {id} is replaced by the ID.",
        "tactic_url": "URL pattern of a tactic page; {id} is replaced by the ID.",
        "mitigation_url": "URL pattern of a mitigation page; {id} is replaced by the ID.",
        "tactics": "Every ATLAS tactic.",
        "techniques": "Every ATLAS technique and sub-technique.",
        "mitigations": "Every ATLAS mitigation.",
        "id": "ATLAS ID.",
        "name": "Name as MITRE gives it.",
        "techniques.tactics": "Tactics the technique serves.",
        "parent": "For a sub-technique: its parent technique.",
        "added_in": "Edition that added the ID.",
        "retired": "IDs MITRE retired, with their successor.",
        "retired.name": "Name the ID had when it was retired.",
        "retired_in": "Edition that retired the ID.",
        "replaced_by": "The listed ID that takes over.",
        "renamed": "IDs MITRE renamed; each keeps its ID.",
        "former_name": "The name before the change.",
        "renamed_in": "Edition that renamed the ID.",
        "case_studies": "The ATLAS case studies the knowledge base cites, as MITRE lists them.",
        "incident_date": "Date of the incident as MITRE gives it; absent where MITRE gives none.",
        "case_study_url": "URL pattern of a case-study page; {id} is replaced by the ID.",
    },
    "case-studies": {
        "cases": "The case studies: plausible systems analysed with the extended taxonomy, not incident reports.",
        "id": "Case letter A, B or C; anchor on the case studies page.",
        "name": "Case name.",
        "threats": "Taxonomy threats the case exercises.",
        "patterns": "Cross-layer patterns the case exercises.",
        "summary": "The system and why it is interesting.",
        "findings": "For each threat ID of the case: what the analysis found.",
        "lessons": "What carries over to other systems.",
    },
    "glossary": {
        "terms": "Terms used in the playbook.",
        "term": "The term as the playbook writes it.",
        "definition": "Our definition.",
        "acronyms": "Acronyms used in the playbook.",
        "acronym": "The acronym.",
        "expansion": "What it stands for.",
        "note": "Why it matters here.",
    },
    "decisions": {
        "decisions": "How each inconsistency found in the upstream playbook is resolved, one entry per defect.",
        "decisions.id": "D<nn>, the defect number in the facts reference.",
        "rulings": "Rulings on questions the upstream playbook leaves open.",
        "rulings.id": "R<nn>.",
        "rulings.extends": "Upstream facts this ruling extends: a mitigation's addresses or a blindspot's layers gain the values in adds; the facts tests allow exactly these additions.",
        "rulings.extends.id": "The mitigation or blindspot whose upstream fact is extended.",
        "rulings.extends.field": "addresses (a mitigation's threats) or layers (a blindspot's layers).",
        "rulings.extends.adds": "The values added to the upstream list.",
        "topic": "A few words naming the problem.",
        "decision": "What we decided, and why.",
        "where": "The data files or pages that carry the decision.",
    },
    "sweep": {
        "engine": "The engine the rule files are written for, and the version they were tested with.",
        "engine.name": "Engine name; the rule files are Semgrep rules.",
        "engine.version": "Engine version (x.y.z), the one pinned in requirements.txt.",
        "weaknesses": "One entry per kind of weakness the sweep looks for, in number order.",
        "weaknesses.id": "SW-<nnn>; the number never changes meaning and is never reused.",
        "name": "Short name of the weakness.",
        "why": "Why the weakness matters in an agent system.",
        "threats": "Active threats a finding indicates.",
        "control": "The active preventive catalog control that would prevent the weakness.",
        "rules": "One rule per language the weakness is looked for in.",
        "rules.id": "SW-<area>-<nnn>: area PY, JS, GO, DF or YML, and the weakness number; its logic is data/sweep/<id>.yaml.",
        CWE.name: "CWE IDs of what the rule finds; each must be named in frameworks.yaml.",
        "finds": "What a finding of the rule is, in one sentence; maestro sweep prints it.",
    },
}


def _described(schema, docs: dict, path=()):
    """A copy of ``schema`` with a description on every property ``docs`` explains (longest dotted match)."""
    if isinstance(schema, list):
        return [_described(s, docs, path) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "properties":
            out[k] = {}
            for name, sub in v.items():
                sub = _described(sub, docs, path + (name,))
                full = path + (name,)
                text = next((docs[".".join(full[i:])] for i in range(len(full)) if ".".join(full[i:]) in docs), None)
                out[k][name] = {**sub, "description": text} if text and isinstance(sub, dict) else sub
        elif k in ("items", "additionalProperties", "oneOf", "anyOf", "allOf", "then", "else"):
            out[k] = _described(v, docs, path)
        else:
            out[k] = v
    return out


DATA = {name: _described(schema, DESCRIPTIONS.get(name, {})) for name, schema in DATA.items()}

def data_schema(name: str) -> dict:
    """The published schema of one data file."""
    return {"$schema": DRAFT, "$id": urls.schema_id(f"data/{name}"), "title": f"MAESTRO data file {name}.yaml", **DATA[name]}
