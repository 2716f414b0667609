"""What each ID page shows, as plain data: one function per page type, no Markdown, no MkDocs.

The site renders these dicts through one Jinja template per page type (macros/templates/); any other
renderer (a static JSON API, another site generator) can use them as they are.
"""
from __future__ import annotations

from .kb import CROSS_LAYER, KB, LAYER_ORDER, TYPE_ORDER


def _lifecycle(kb: KB, ident: str, entry: dict) -> dict:
    ext = kb.external_threats.get(ident)
    return {"status": kb.status_of(ident), "deprecated": entry.get("deprecated"), "revoked": entry.get("revoked"),
            "external": dict(ext) if ext else None, "citation": kb.citation(ident)}


def threat_view(kb: KB, tid: str) -> dict:
    t = kb.threats[tid]
    if t["kind"] == "reserved":
        return {"id": tid, "kind": "reserved", "note": t["note"], **_lifecycle(kb, tid, t)}
    cells = kb.threat_layers.get(tid, {})
    by_type = kb.mitigations_for(tid)
    return {
        **{k: t.get(k) for k in ("id", "name", "kind", "description", "manifestation", "indicators", "example", "stride",
                                  "multi_agent_only", "mcp", "short_label", "gap_note", "partial_mitigations")},
        **_lifecycle(kb, tid, t),
        "origin": "OWASP agentic core threat (T1-T15)" if t["kind"] == "core" else "Extended threat (project-local)",
        "layers": [{"id": layer, "strength": cells[layer]} for layer in LAYER_ORDER if layer in cells],
        "mitigations": [{"letter": k, "name": kb.types[k]["name"], "ids": by_type[k]} for k in TYPE_ORDER if by_type[k]],
        "coverage_missing": kb.coverage_missing(tid) if any(by_type.values()) else [],
        "checklist_items": kb.ref_items.get(tid, []),
        "patterns": kb.threat_patterns.get(tid, []),
        "blindspots": kb.threat_blindspots.get(tid, []),
        "considerations": kb.threat_considerations.get(tid, []),
        "cases": kb.threat_cases.get(tid, []),
        "crosswalk": crosswalk(kb, t),
        "reading": further_reading(kb, t),
    }


def blindspot_view(kb: KB, bid: str) -> dict:
    b = kb.blindspots[bid]
    return {**{k: b[k] for k in ("id", "name", "layers", "description", "manifestation", "indicators", "example",
                                  "related_threats", "suggested_mitigations")},
            **_lifecycle(kb, bid, b), "checklist_items": kb.ref_items.get(bid, []), "crosswalk": crosswalk(kb, b),
            "reading": further_reading(kb, b)}


def mitigation_view(kb: KB, mid: str) -> dict:
    m = kb.mitigations[mid]
    letter = kb.mitigation_type(mid)
    return {**{k: m.get(k) for k in ("id", "name", "description", "implementation", "addresses", "scope")},
            **_lifecycle(kb, mid, m), "layer": kb.mitigation_layer(mid), "type": kb.types[letter],
            "patterns": m.get("patterns", []), "considerations": m.get("considerations", []),
            "atlas_mitigations": m.get("atlas_mitigations", []), "siblings": kb.siblings(mid),
            "atlas_edition": kb.atlas_edition}


def layer_view(kb: KB, lid: str) -> dict:
    layer = kb.layers[lid]
    lt = kb.layer_threats(lid)
    lm = kb.layer_mitigations(lid)
    return {**{k: layer.get(k) for k in ("id", "name", "summary", "description", "components", "key_questions", "vertical")},
            "citation": kb.citation(lid), "cross_layer": lid == CROSS_LAYER,
            "primary": [t for t in lt["primary"] if kb.threats[t]["kind"] == "core"],
            "secondary": list(lt["secondary"]),
            "extended": [t for t in lt["primary"] if kb.threats[t]["kind"] == "extended"],
            "considerations": kb.layer_considerations(lid) if lid != CROSS_LAYER else [],
            "blindspots": kb.layer_blindspots(lid) if lid != CROSS_LAYER else [],
            "patterns": list(kb.patterns.values()) if lid == CROSS_LAYER else [],
            "checklist_items": [i["id"] for i in kb.sections[lid]["items"]],
            "mitigations": [{"letter": k, "name": kb.types[k]["name"], "ids": lm[k]} for k in TYPE_ORDER]}


def further_reading(kb: KB, entry: dict) -> list[dict]:
    """The primary sources behind a threat or blindspot: each document by name and edition, where to open it,
    and the entries of it this one maps to. Only documents it cites appear."""
    fw = kb.frameworks
    out = []
    if entry.get("kind") == "core":
        guide = fw["agentic_threats"]
        editions = ", ".join(e["edition"] for e in guide["editions"])
        out.append({"document": f"{guide['name']} (editions {editions})", "url": guide.get("home"), "entries": [entry["id"]]})
    for ed, cited in kb.llm_editions(entry.get("llm_top10", [])).items():
        if cited:
            out.append({"document": kb.llm_title(ed), "url": fw["llm_top10"].get("home"),
                        "entries": [f"{x} {kb.llm[x]['name']}" for x in cited]})
    if entry.get("asi_top10"):
        asi = fw["asi_top10"]
        out.append({"document": f"{asi['name']} ({asi['current']})", "url": asi.get("home"),
                    "entries": [f"{x} {kb.asi[x]['name']}" for x in entry["asi_top10"]]})
    if entry.get("atlas"):
        out.append({"document": f"MITRE ATLAS, edition {kb.atlas_edition}", "url": ATLAS_HOME,
                    "entries": [f"{a} {kb.atlas_techniques[a]['name']}" for a in entry["atlas"]]})
    if entry.get("atlas_case_studies"):
        out.append({"document": "MITRE ATLAS case studies", "url": ATLAS_STUDIES,
                    "entries": [f"{c} {kb.atlas_case_studies[c]['name']}" for c in entry["atlas_case_studies"]]})
    if entry.get("cwe"):
        out.append({"document": "MITRE CWE", "url": CWE_HOME, "entries": [f"{c} {kb.cwe[c]}" for c in entry["cwe"]]})
    return out


ATLAS_HOME = "https://atlas.mitre.org/"
ATLAS_STUDIES = "https://atlas.mitre.org/studies/"
CWE_HOME = "https://cwe.mitre.org/"


def crosswalk(kb: KB, entry: dict) -> list[dict]:
    """The external mappings of a threat or blindspot, one row per framework edition, with the reason for an empty one."""
    why = entry.get("no_mapping", {})
    asi = kb.frameworks["asi_top10"]
    rows = [{"framework": kb.llm_title(ed), "field": "llm_top10", "llm": cited} for ed, cited in kb.llm_editions(entry["llm_top10"]).items()]
    rows += [{"framework": f"{asi['name']} {asi['current']}", "field": "asi_top10", "asi": entry["asi_top10"]},
             {"framework": "CWE", "field": "cwe", "cwe": entry["cwe"]},
             {"framework": f"MITRE ATLAS {kb.atlas_edition}", "field": "atlas", "atlas": entry["atlas"]}]
    for r in rows:
        r["none"] = why.get(r["field"])
    return rows
