"""What each ID page shows, as plain data: one function per page type, no Markdown, no MkDocs.

The site renders these dicts through one Jinja template per page type (maestro_site/templates/); any other
renderer (a static JSON API, another site generator) can use them as they are.
"""
from __future__ import annotations

import re

from . import ids, urls
from .crosswalk import (ASI_TOP10, ATLAS, ATLAS_CASE_STUDIES, ATLAS_MITIGATIONS, CWE, LLM_TOP10, STRIDE, CrosswalkField,
                        editions, framework_title, home, name_of, rows)
from .kb import CROSS_LAYER, KB, LAYER_ORDER, TYPE_ORDER


def _lifecycle(kb: KB, ident: str, entry: dict) -> dict:
    ext = kb.external_threats.get(ident)
    return {"status": kb.status_of(ident), "deprecated": entry.get("deprecated"), "revoked": entry.get("revoked"),
            "external": dict(ext) if ext else None, **cite_view(kb, ident)}


def cite_view(kb: KB, ident: str, base: str | None = None) -> dict:
    """How to cite an ID: the citation with its version, the permanent URL, and this version's URL where the site has
    an address (``base``, else SITE_URL; without one the URL is site-relative and there is no version URL)."""
    kind = ids.kind_of(ident)
    return {"citation": kb.citation(ident), "permalink": urls.permanent_url(kind, ident, base),
            "version_url": urls.versioned_url(kind, ident, kb.version, base)}


def threat_view(kb: KB, tid: str) -> dict:
    t = kb.threats[tid]
    if t["kind"] == "reserved":
        return {"id": tid, "kind": "reserved", "note": t["note"], **_lifecycle(kb, tid, t), "nav": nav_view(kb, "threat", tid)}
    cells = kb.threat_layers.get(tid, {})
    by_type = kb.mitigations_for(tid)
    return {
        **{k: t.get(k) for k in ("id", "name", "kind", "description", "manifestation", "indicators", "example", STRIDE.name,
                                  "multi_agent_only", "mcp", "short_label", "gap_note", "partial_mitigations")},
        **_lifecycle(kb, tid, t), "aliases": t.get("aliases", []),
        "origin": "OWASP agentic core threat (T1-T15)" if t["kind"] == "core" else "Extended threat (project-local)",
        "layers": [{"id": layer, "strength": cells[layer]} for layer in LAYER_ORDER if layer in cells],
        "mitigations": [{"letter": k, "name": kb.types[k]["name"], "purpose": kb.types[k]["purpose"], "ids": by_type[k],
                         "rows": [mitigation_for_threat(kb, m, tid) for m in by_type[k]]} for k in TYPE_ORDER if by_type[k]],
        "coverage_missing": kb.coverage_missing(tid) if any(by_type.values()) else [],
        "checklist_items": kb.ref_items.get(tid, []),
        "patterns": kb.threat_patterns.get(tid, []),
        "blindspots": kb.threat_blindspots.get(tid, []),
        "considerations": kb.threat_considerations.get(tid, []),
        "cases": kb.threat_cases.get(tid, []),
        "crosswalk": crosswalk(kb, tid),
        "reading": further_reading(kb, t),
        "nav": nav_view(kb, "threat", tid),
    }


def blindspot_view(kb: KB, bid: str) -> dict:
    b = kb.blindspots[bid]
    return {**{k: b[k] for k in ("id", "name", "layers", "description", "manifestation", "indicators", "example",
                                  "related_threats", "suggested_mitigations")},
            **_lifecycle(kb, bid, b), "aliases": b.get("aliases", []), "checklist_items": kb.ref_items.get(bid, []), "crosswalk": crosswalk(kb, bid),
            "related": [{"id": t, "name": kb.name_of(t), "layers": layers_of(kb, t)} for t in b["related_threats"]],
            "mitigation_rows": [mitigation_for_blindspot(kb, m, bid) for m in b["suggested_mitigations"]],
            "reading": further_reading(kb, b), "nav": nav_view(kb, "blindspot", bid)}


def mitigation_view(kb: KB, mid: str) -> dict:
    m = kb.mitigations[mid]
    letter = kb.mitigation_type(mid)
    return {**{k: m.get(k) for k in ("id", "name", "description", "implementation", "addresses", "scope")},
            **_lifecycle(kb, mid, m), "aliases": m.get("aliases", []), "layer": kb.mitigation_layer(mid), "type": kb.types[letter],
            "patterns": m.get("patterns", []), "considerations": m.get("considerations", []),
            ATLAS_MITIGATIONS.name: m.get(ATLAS_MITIGATIONS.name, []), "siblings": kb.siblings(mid),
            "threats": [{"id": t, "name": kb.name_of(t), "layers": layers_of(kb, t), "coverage": coverage_role(kb, mid, t)}
                        for t in m["addresses"]],
            "atlas_edition": kb.atlas_edition, "nav": nav_view(kb, "mitigation", mid)}


def layer_view(kb: KB, lid: str) -> dict:
    layer = kb.layers[lid]
    lt = kb.layer_threats(lid)
    lm = kb.layer_mitigations(lid)
    return {**{k: layer.get(k) for k in ("id", "name", "summary", "description", "components", "key_questions", "vertical")},
            **cite_view(kb, lid), "cross_layer": lid == CROSS_LAYER,
            "primary": [t for t in lt["primary"] if kb.threats[t]["kind"] == "core"],
            "secondary": list(lt["secondary"]),
            "extended": [t for t in lt["primary"] if kb.threats[t]["kind"] == "extended"],
            "considerations": kb.layer_considerations(lid) if lid != CROSS_LAYER else [],
            "blindspots": kb.layer_blindspots(lid) if lid != CROSS_LAYER else [],
            "patterns": list(kb.patterns.values()) if lid == CROSS_LAYER else [],
            "checklist_items": [i["id"] for i in kb.sections[lid]["items"]],
            "mitigations": [{"letter": k, "name": kb.types[k]["name"], "ids": lm[k]} for k in TYPE_ORDER],
            "nav": nav_view(kb, "layer", lid)}


# ===================================================================== related items in context
def layers_of(kb: KB, tid: str) -> list[dict]:
    """A threat's layers, the primary ones first, each in layer order."""
    cells = kb.threat_layers.get(tid, {})
    return [{"id": l, "strength": s} for s in ("primary", "secondary") for l in LAYER_ORDER if cells.get(l) == s]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


def sentences(text: str) -> list[str]:
    """A data text's sentences: a split after . ! or ? where the next word starts with a capital or a bracket."""
    return [s for s in _SENTENCE_END.split(" ".join(str(text).split())) if s]


def mitigation_for_threat(kb: KB, mid: str, tid: str) -> dict:
    """A mitigation as a threat page lists it: its layer, and why it applies there. That is the reason the catalog
    states for the link (the control's ``why``) when there is one (``stated``); otherwise the sentence of its
    description that names the threat (with the one before when it starts "This ..." or "That ...") or, when none
    does, its first sentence (what the control does)."""
    m = kb.mitigations[mid]
    row = {"id": mid, "name": m["name"], "layer": kb.mitigation_layer(mid)}
    stated = (m.get("why") or {}).get(tid)
    if stated:
        reason = " ".join(stated.split())
        return {**row, "reason": reason, "names_threat": ids.names(reason, tid), "stated": True}
    said = sentences(m["description"])
    naming = [i for i, s in enumerate(said) if ids.names(s, tid)]
    i = naming[0] if naming else 0
    start = i - 1 if i and said[i].split()[0] in _POINTS_BACK else i  # "That narrows ...": keep what "that" is
    return {**row, "reason": " ".join(said[start:i + 1]), "names_threat": bool(naming), "stated": False}


def mitigation_for_blindspot(kb: KB, mid: str, bid: str) -> dict:
    """A suggested control as a blindspot page lists it: its type, layer, and the reason the blindspot states for it."""
    return {"id": mid, "name": kb.mitigations[mid]["name"], "layer": kb.mitigation_layer(mid),
            "type": kb.types[kb.mitigation_type(mid)]["name"],
            "reason": " ".join(str((kb.blindspots[bid].get("why") or {}).get(mid, "")).split())}


_POINTS_BACK = {"This", "That", "These", "Those", "Such"}


def coverage_role(kb: KB, mid: str, tid: str) -> dict:
    """What a mitigation adds to a threat's preventive / detective / corrective coverage: how many controls of its
    type the threat has, whether it is the only one, the types still missing, and whether it completes the three."""
    letter = kb.mitigation_type(mid)
    same = kb.mitigations_for(tid)[letter]
    missing = kb.coverage_missing(tid)
    sole = same == [mid]
    return {"type": letter, "same_type": len(same), "sole": sole, "missing": missing,
            "completes": letter in ("P", "D", "C") and sole and not missing}


def further_reading(kb: KB, entry: dict) -> list[dict]:
    """The primary sources behind a threat or blindspot: each document by name and edition, where to open it
    (home, from the data), and the entries of it this one maps to. Only documents it cites appear."""
    out = []
    if entry.get("kind") == "core":
        guide = kb.frameworks["agentic_threats"]
        listed = ", ".join(e["edition"] for e in guide["editions"])
        out.append({"document": f"{guide['name']} (editions {listed})", "url": guide.get("home"), "entries": [entry["id"]]})
    for ed, cited in kb.llm_editions(entry.get(LLM_TOP10.name, [])).items():
        if cited:
            out.append({"document": framework_title(kb, LLM_TOP10, ed), "url": home(kb, LLM_TOP10),
                        "entries": _named(kb, LLM_TOP10, cited)})
    for field, document in _READING:
        if entry.get(field.name):
            out.append({"document": document(kb), "url": home(kb, field), "entries": _named(kb, field, entry[field.name])})
    return out


def _named(kb: KB, field: CrosswalkField, values: list) -> list[str]:
    return [f"{x} {name_of(kb, field, x)}" for x in values]


_READING = (
    (ASI_TOP10, lambda kb: f"{framework_title(kb, ASI_TOP10)} ({editions(kb, ASI_TOP10)[0]})"),
    (ATLAS, lambda kb: f"{framework_title(kb, ATLAS)}, edition {kb.atlas_edition}: {kb.atlas_basis}"),
    (ATLAS_CASE_STUDIES, lambda kb: framework_title(kb, ATLAS) + " case studies"),
    (CWE, lambda kb: "MITRE CWE"),
)
"""The documents Further reading names after the LLM Top 10, in page order, each with how it is titled; the link is
the framework's home (for the case studies, their list) as the data gives it."""


def crosswalk(kb: KB, ident: str) -> list[dict]:
    """The external mappings of a threat or blindspot (maestro.crosswalk.rows): one row per framework edition, each
    with its entries (ID, name, link) or the data's reason for an empty list."""
    return rows(kb, ident)


# ===================================================================== browsing
# Every ID page sits in a group of siblings a reader steps through: the core threats, the extended threats of one
# primary layer, the mitigations of one layer, all blindspots, all layers. Groups hold active IDs only, in ID order;
# a deprecated ID is shown in its own group on its own page only, and reserved threats form a group of their own.
# A revoked ID has no group: its page redirects to its successor.
KB_SECTION = "Knowledge base"
TYPE_SECTIONS = {"threat": ("Threats", "threats"), "mitigation": ("Mitigations", "mitigations"),
                 "blindspot": ("Blindspots", "blindspots"), "layer": ("Layers", "layers")}


def _number(ident: str) -> int:
    """T12 -> 12, BV-7 -> 7: the order of threat and blindspot IDs."""
    return int(re.sub(r"\D", "", ident))


def threat_group(kb: KB, tid: str) -> dict:
    """Which group a threat is browsed in: core, extended by primary layer, or reserved."""
    t = kb.threats[tid]
    if t["kind"] == "reserved":
        return {"key": "reserved", "label": "Reserved", "title": "Reserved threat IDs", "layer": None,
                "members": sorted((x["id"] for x in kb.reserved_threats()), key=_number)}
    if t["kind"] == "core":
        return {"key": "core", "label": "Core", "title": "Core threats", "layer": None,
                "members": _threats(kb, lambda x: x["kind"] == "core")}
    layer = kb.primary_layer(tid)
    if layer is None:  # a deprecated threat whose mapping row was removed: browse it among all extended threats
        return {"key": "extended", "label": "Extended", "title": "Extended threats", "layer": None,
                "members": _threats(kb, lambda x: x["kind"] == "extended")}
    return {"key": "extended", "label": f"Extended, {layer}", "title": f"Extended threats, {layer} {kb.layers[layer]['name']}",
            "layer": layer, "members": _threats(kb, lambda x: x["kind"] == "extended" and kb.primary_layer(x["id"]) == layer)}


def _threats(kb: KB, keep) -> list[str]:
    return sorted((x["id"] for x in kb.active_threats() if keep(x)), key=_number)


def mitigation_group(kb: KB, mid: str) -> dict:
    layer = kb.mitigation_layer(mid)
    members = [m for m in sorted(kb.mitigations, key=kb.mitigation_sort_key) if kb.mitigation_layer(m) == layer and kb.listed(m)]
    return {"key": "layer", "label": layer, "title": f"Mitigations, {layer} {kb.layers[layer]['name']}", "layer": layer,
            "members": members}


def blindspot_group(kb: KB, bid: str) -> dict:
    return {"key": "all", "label": None, "title": "Blindspot vectors", "layer": None,
            "members": sorted((b for b in kb.blindspots if kb.listed(b)), key=_number)}


def layer_group(kb: KB, lid: str) -> dict:
    return {"key": "all", "label": None, "title": "Layers", "layer": None, "members": list(LAYER_ORDER)}


GROUPS = {"threat": threat_group, "mitigation": mitigation_group, "blindspot": blindspot_group, "layer": layer_group}


def _in_place(kb: KB, kind: str, ident: str, members: list[str]) -> list[str]:
    """The members with ``ident`` among them in ID order (a deprecated ID is listed on its own page only)."""
    if ident in members:
        return list(members)
    key = kb.mitigation_sort_key if kind == "mitigation" else _number
    return sorted([*members, ident], key=key)


def neighbours(items: list[str], ident: str) -> tuple[str | None, str | None]:
    """The IDs before and after ``ident`` in ``items``; None at either end."""
    i = items.index(ident)
    return (items[i - 1] if i > 0 else None), (items[i + 1] if i + 1 < len(items) else None)


def breadcrumb(kind: str, ident: str, group: dict) -> list[dict]:
    """Knowledge base › Threats › Extended, L3 › T42: each step a label and, where it has a page, what it links to
    (``index``: the ID type's index page; ``group``: the group's place in a chapter; nothing: no page of its own)."""
    label, index = TYPE_SECTIONS[kind]
    steps = [{"label": KB_SECTION, "link": None}, {"label": label, "link": {"index": index}}]
    if group["label"]:
        steps.append({"label": group["label"], "link": group_link(kind, group)})
    return [dict(s, current=False) for s in steps] + [{"label": ident, "link": None, "current": True}]


def group_link(kind: str, group: dict) -> dict:
    """What names a group for a renderer to link it to where it is explained as a whole (a chapter section)."""
    return {"group": group["key"], "kind": kind, "layer": group["layer"]}


def nav_view(kb: KB, kind: str, ident: str) -> dict | None:
    """Where an ID page sits: its group, its siblings (itself marked current; a mitigation's by type in ``section``),
    previous and next, the breadcrumb. None for a revoked ID, whose page redirects."""
    if kb.status_of(ident) == "revoked":
        return None
    group = GROUPS[kind](kb, ident)
    items = _in_place(kb, kind, ident, group["members"])
    prev, nxt = neighbours(items, ident)
    return {"kind": kind, "id": ident,
            "group": {**{k: group[k] for k in ("key", "label", "title", "layer")}, "link": group_link(kind, group)},
            "siblings": [{"id": i, "name": kb.name_of(i) or "Reserved", "status": kb.status_of(i), "current": i == ident,
                          "section": kb.types[kb.mitigation_type(i)]["name"] if kind == "mitigation" else None} for i in items],
            "prev": prev, "next": nxt, "breadcrumb": breadcrumb(kind, ident, group)}
