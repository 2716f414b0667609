"""The knowledge base as the rest of the package reads it: the ``KB`` class with its indexes and queries.

A ``KB`` is built by ``kb.load_kb`` from documents that passed validation, and is treated as read-only: relations are
stored once in data/ and the reverse indexes are computed here. The orders of layers and control types live here too,
because the queries sort by them.
"""
from __future__ import annotations

from . import ids
from .crosswalk import ASI_TOP10, CWE, LLM_TOP10

CROSS_LAYER = "CL"
LAYER_ORDER = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", CROSS_LAYER]
STACK_LAYERS = [lid for lid in LAYER_ORDER if lid != CROSS_LAYER]   # the seven layers of the stack
TYPE_ORDER = ["P", "D", "C", "R"]


def _current(external: dict) -> dict:
    """The edition of an external list that the knowledge base treats as current."""
    return next(e for e in external["editions"] if e["edition"] == external["current"])


def _llm_index(external: dict) -> tuple[dict, dict]:
    """Every LLM Top 10 entry by its cited form (LLM01:2025), and the 2026 entry that continues each 2025 one.

    2026 entries take their layers from the 2025 entry they continue (was_2025), so layers are stored once.
    """
    items, successor = {}, {}
    for e in external["editions"]:
        for it in e["items"]:
            items[f"{it['id']}:{e['edition']}"] = dict(it, edition=e["edition"], cited=f"{it['id']}:{e['edition']}")
    for e in external["editions"]:
        for it in e["items"]:
            if it.get("was_2025"):
                old = f"{it['was_2025']}:2025"
                successor[old] = f"{it['id']}:{e['edition']}"
                items[successor[old]].setdefault("layers", items[old].get("layers", []))
    return items, successor


def _reverse(entries, field: str, key: str) -> dict:
    """{referenced ID: [keys of the entries whose ``field`` lists it]}, in entry order."""
    out: dict = {}
    for e in entries:
        for target in e[field]:
            out.setdefault(target, []).append(e[key])
    return out


class KB:
    """The loaded knowledge base with its indexes. Build it with ``load_kb``."""

    def __init__(self, docs: dict, fingerprint: str):
        self.docs = docs
        self.fingerprint = fingerprint
        self.meta = docs["meta"]
        self.version = self.meta["version"]
        self.layers = {l["id"]: l for l in docs["layers"]["layers"]}
        self.threats = {t["id"]: t for t in docs["threats"]["threats"]}
        self.considerations = {c["key"]: c for c in docs["threats"]["considerations"]}
        self.mitigations = {m["id"]: m for m in docs["mitigations"]["mitigations"]}
        self.types = {t["letter"]: t for t in docs["mitigations"]["types"]}
        self.blindspots = {b["id"]: b for b in docs["blindspots"]["blindspots"]}
        self.sections = {s["id"]: s for s in docs["checklists"]["sections"]}
        self.items = {i["id"]: dict(i, section=s["id"]) for s in docs["checklists"]["sections"] for i in s["items"]}
        self.patterns = {p["n"]: p for p in docs["patterns"]["patterns"]}
        self.key_threats = docs["patterns"]["key_threats"]
        self.factors = docs["risk-factors"]["factors"]
        self.phases = {p["n"]: p for p in docs["phases"]["phases"]}
        self.depth = docs["depth"]
        self.scoring = docs["scoring"]
        self.templates = {t["key"]: t for t in docs["templates"]["templates"]}
        self.frameworks = docs["frameworks"]
        self.atlas = docs["atlas"]
        self.atlas_techniques = {t["id"]: t for t in self.atlas["techniques"]}
        self.atlas_tactics = {t["id"]: t for t in self.atlas["tactics"]}
        self.atlas_mitigations = {m["id"]: m for m in self.atlas["mitigations"]}
        self.atlas_edition = self.atlas["source"]["edition"]
        self.atlas_basis = self.atlas["source"]["basis"]  # what the pinned list is built from; pages naming the edition say it
        self.atlas_retired = {r["id"]: r for r in self.atlas["retired"]}
        self.atlas_renamed = {r["id"]: r for r in self.atlas["renamed"]}
        self.atlas_case_studies = {c["id"]: c for c in self.atlas["case_studies"]}
        self.cases = {c["id"]: c for c in docs["case-studies"]["cases"]}
        self.glossary = docs["glossary"]
        self.decisions = {d["id"]: d for d in docs["decisions"]["decisions"]}
        self.rulings = {r["id"]: r for r in docs["decisions"]["rulings"]}
        self.llm, self.llm_2026_of = _llm_index(self.frameworks[LLM_TOP10.listed_in[1]])
        self.asi = {i["id"]: i for i in _current(self.frameworks[ASI_TOP10.listed_in[1]])["items"]}
        self.external_threats = {i["id"]: dict(i, edition=e["edition"], framework=self.frameworks["agentic_threats"]["name"])
                                 for e in self.frameworks["agentic_threats"]["editions"] for i in e["items"]}
        self.cwe = self.frameworks[CWE.listed_in[1]]
        self._index()

    # ----------------------------------------------------------------- indexes
    def _index(self):
        self.threat_layers: dict[str, dict[str, str]] = {}
        for row in self.docs["mapping"]["mapping"]:
            self.threat_layers[row["threat"]] = {k: v for k, v in row.items() if k != "threat"}
        # Relations are stored once, in the direction natural to write; these are the reverse indexes.
        self.threat_mitigations = {t: [] for t in self.threats} | _reverse(self.mitigations.values(), "addresses", "id")
        self.ref_items = _reverse(self.items.values(), "refs", "id")
        self.threat_patterns = _reverse(self.patterns.values(), "threats", "n")
        self.threat_cases = _reverse(self.cases.values(), "threats", "id")
        self.threat_blindspots = _reverse(self.blindspots.values(), "related_threats", "id")
        self.threat_considerations = _reverse(self.considerations.values(), "related_threats", "key")

    # ----------------------------------------------------------------- queries
    def llm_editions(self, cited: list) -> dict:
        """Cited LLM Top 10 entries in every edition side by side: each as written plus its crosswalk counterpart."""
        back = {new: old for old, new in self.llm_2026_of.items()}
        out: dict = {e["edition"]: [] for e in self.frameworks[LLM_TOP10.listed_in[1]]["editions"]}
        for c in cited:
            for x in (c, self.llm_2026_of.get(c), back.get(c)):
                if x and x in self.llm and x not in out[self.llm[x]["edition"]]:
                    out[self.llm[x]["edition"]].append(x)
        return out

    def llm_title(self, edition: str) -> str:
        return f"{self.frameworks[LLM_TOP10.listed_in[1]]['name']} {edition}"

    def status_of(self, ident: str) -> str:
        """active, reserved, deprecated or revoked: the lifecycle of one of our IDs."""
        if ident in self.threats and self.threats[ident]["kind"] == "reserved":
            return "reserved"
        entry = self.threats.get(ident) or self.blindspots.get(ident) or self.mitigations.get(ident) or {}
        return entry.get("status", "active")

    def listed(self, ident: str) -> bool:
        """Whether an ID appears in lists, tables, checklists and the matrix (only active ones do)."""
        return self.status_of(ident) == "active"

    def active_threats(self):
        return [t for t in self.threats.values() if self.listed(t["id"])]

    def reserved_threats(self):
        return [t for t in self.threats.values() if t["kind"] == "reserved"]

    def mitigation_layer(self, mid: str) -> str:
        return ids.mitigation_parts(mid)[0]

    def mitigation_type(self, mid: str) -> str:
        """Type letter P, D, C or R."""
        return ids.mitigation_parts(mid)[1]

    def mitigations_for(self, tid: str) -> dict[str, list[str]]:
        """Mitigations addressing a threat, grouped by type letter (P, D, C, R)."""
        out = {k: [] for k in TYPE_ORDER}
        for mid in self.threat_mitigations.get(tid, []):
            out[self.mitigation_type(mid)].append(mid)
        return out

    def siblings(self, mid: str) -> list[str]:
        """Other mitigations that address at least one of the same threats."""
        seen: dict[str, None] = {}
        for t in self.mitigations[mid]["addresses"]:
            for other in self.threat_mitigations.get(t, []):
                if other != mid:
                    seen[other] = None
        return sorted(seen, key=self.mitigation_sort_key)

    def mitigation_sort_key(self, mid: str):
        layer, letter, n = ids.mitigation_parts(mid)
        return (LAYER_ORDER.index(layer), TYPE_ORDER.index(letter), n)

    def layer_threats(self, layer: str) -> dict[str, list[str]]:
        """Threats at a layer: 'primary', 'secondary' (both from the mapping)."""
        out = {"primary": [], "secondary": []}
        for tid, cells in self.threat_layers.items():
            if layer in cells:
                out[cells[layer]].append(tid)
        for k in out:
            out[k].sort(key=lambda t: int(t[1:]))
        return out

    def layer_mitigations(self, layer: str) -> dict[str, list[str]]:
        out = {k: [] for k in TYPE_ORDER}
        for mid in self.mitigations:
            if self.mitigation_layer(mid) == layer:
                out[self.mitigation_type(mid)].append(mid)
        return out

    def layer_blindspots(self, layer: str) -> list[str]:
        return [b["id"] for b in self.blindspots.values() if layer in b["layers"]]

    def layer_considerations(self, layer: str) -> list[str]:
        return [c["key"] for c in self.considerations.values() if c["layer"] == layer]

    def primary_layer(self, tid: str) -> str | None:
        cells = self.threat_layers.get(tid, {})
        prim = [l for l in LAYER_ORDER if cells.get(l) == "primary"]
        return prim[0] if prim else None

    def coverage_missing(self, tid: str) -> list[str]:
        """Type letters among P, D, C with no mitigation for the threat."""
        by = self.mitigations_for(tid)
        return [k for k in ("P", "D", "C") if not by[k]]

    def hover_text(self, ident: str) -> str:
        """What a reader sees hovering a link to an ID: its canonical name, and for a threat the layers it maps to."""
        name = self.name_of(ident) or ("Reserved" if ident in self.threats else "")
        layers = [l for l in LAYER_ORDER if l in self.threat_layers.get(ident, {})] if ident in self.threats else []
        return f"{name} ({', '.join(layers)})" if name and layers else name

    def name_of(self, ident: str) -> str | None:
        """Canonical name of any citable ID (threat, blindspot, mitigation, layer)."""
        for table in (self.threats, self.blindspots, self.mitigations, self.layers):
            if ident in table:
                return table[ident].get("name")
        return None

    def all_ids(self) -> dict[str, dict]:
        """Every citable ID with its type, name and status, in a stable order."""
        out: dict[str, dict] = {}
        for l in self.layers.values():
            out[l["id"]] = {"type": "layer", "name": l["name"], "status": "active"}
        entries = [("threat", t) for t in self.threats.values()] + [("blindspot", b) for b in self.blindspots.values()]
        entries += [("mitigation", self.mitigations[m]) for m in sorted(self.mitigations, key=self.mitigation_sort_key)]
        for kind, e in entries:
            info = {"type": kind, "name": e.get("name", f"Reserved ({e['id']})"), "status": self.status_of(e["id"])}
            if info["status"] == "deprecated":
                info["deprecated"] = dict(e["deprecated"])
            if info["status"] == "revoked":
                info["replaced_by"] = e["revoked"]["replaced_by"]
                info["revoked"] = dict(e["revoked"])
            out[e["id"]] = info
        return out

    def citation(self, ident: str) -> str:
        return self.meta["citation"].format(id=ident, version=self.version)
