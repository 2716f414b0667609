"""Load, validate and index the knowledge base in data/.

``load_kb(data_dir)`` reads every data file once, checks it against its JSON Schema
(jsonschema), then runs the cross-reference checks a schema cannot express. Every problem
is reported with file, line and ID; if there is any, ``KBError`` is raised and nothing
downstream (site build, exports, CLI) runs. The resulting ``KB`` is treated as read-only:
relations are stored once in data/ and the reverse indexes are computed here.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import ids, schemas, validation, yamlio

FILES = list(schemas.DATA)  # one data file per entry, data/<name>.yaml
LAYER_ORDER = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "CL"]
TYPE_ORDER = ["P", "D", "C", "R"]

# Minimum words for prose fields: (file, field) -> words.
MIN_WORDS = {
    ("threats", "description"): 80,
    ("threats", "example"): 30,
    ("blindspots", "description"): 80,
    ("blindspots", "example"): 30,
    ("mitigations", "description"): 40,
    ("threats", "consideration"): 40,
    ("layers", "description"): 60,
    ("glossary", "definition"): 8,
}
# Markup is not allowed in data text: data is plain text, escaped when rendered.
_TAGS = (
    "a|abbr|address|area|article|aside|audio|b|base|blockquote|body|br|button|canvas|caption|code|col|details|div|dl|dt|dd|"
    "em|embed|fieldset|figure|font|footer|form|frame|h[1-6]|head|header|hr|html|i|iframe|img|input|kbd|label|li|link|main|"
    "mark|meta|nav|noscript|object|ol|option|p|pre|q|s|script|section|select|small|source|span|strong|style|sub|summary|sup|"
    "svg|table|tbody|td|template|textarea|tfoot|th|thead|title|tr|u|ul|video"
)
MARKUP = re.compile(rf"</?(?:{_TAGS})(?:\s[^>]*)?/?>|<!--|\{{\{{|\{{%|\{{#|\]\(|\*\*|`", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    id: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: [{self.id}] {self.message}" if self.id else f"{where}: {self.message}"


class KBError(Exception):
    """The knowledge base is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = f"knowledge base invalid: {len(problems)} problem(s)"
        super().__init__(head + "\n" + "\n".join(f"  {p}" for p in problems))


class _Collector:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.problems: list[Problem] = []

    def rel(self, name: str) -> str:
        return f"data/{name}.yaml"

    def add(self, name, node, key, ident, message):
        """Record a problem at ``node[key]`` (or at ``node``) inside file ``name``."""
        line = 0
        if isinstance(node, yamlio.LDict) and key is not None and key in node.key_lines:
            line = node.key_lines[key]
        elif isinstance(node, yamlio.LList) and isinstance(key, int) and key < len(node.item_lines):
            line = node.item_lines[key]
        elif isinstance(node, yamlio.Node):
            line = getattr(node, "line", 0)
        self.problems.append(Problem(self.rel(name), line or 1, ident or "", message))


_ident = validation.ident_along


def _fingerprint(data_dir: Path) -> str:
    h = hashlib.sha256()
    for name in FILES:
        p = data_dir / f"{name}.yaml"
        h.update(name.encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()


def load_kb(data_dir: str | Path, cache: bool = False) -> "KB":
    """The validated knowledge base in ``data_dir``; KBError lists every problem.

    With ``cache=True`` (what the CLI uses) a knowledge base already validated with the same
    data files and the same code is read from the cache instead (see kbcache.py). Its
    documents are then plain dicts and lists without line positions.
    """
    if cache:
        from . import kbcache

        return kbcache.load_kb(data_dir)
    data_dir = Path(data_dir)
    col = _Collector(data_dir)
    docs: dict[str, object] = {}
    if not data_dir.is_dir():
        raise KBError([Problem(str(data_dir), 1, "", "data directory not found")])
    for name in FILES:
        path = data_dir / f"{name}.yaml"
        if not path.exists():
            col.problems.append(Problem(col.rel(name), 1, "", "file missing"))
            continue
        try:
            doc = yamlio.load(path)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark else 1
            what = getattr(exc, "problem", None) or str(exc)
            col.problems.append(Problem(col.rel(name), line, "", f"malformed YAML: {what}"))
            continue
        for err in validation.schema_errors(doc, schemas.DATA[name]):
            col.problems.append(Problem(col.rel(name), err.line, err.ident, err.message))
        docs[name] = doc
    if col.problems:
        raise KBError(col.problems)
    kb = KB(docs, _fingerprint(data_dir))
    _cross_check(kb, col)
    if col.problems:
        raise KBError(col.problems)
    return kb


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
        self.atlas_techniques = {t["id"]: t for t in docs["atlas"]["techniques"]}
        self.atlas_tactics = {t["id"]: t for t in docs["atlas"]["tactics"]}
        self.atlas_mitigations = {m["id"]: m for m in docs["atlas"]["mitigations"]}
        self.atlas_edition = docs["atlas"]["source"]["edition"]
        self.atlas_retired = {r["id"]: r for r in docs["atlas"]["retired"]}
        self.atlas_renamed = {r["id"]: r for r in docs["atlas"]["renamed"]}
        self.cases = {c["id"]: c for c in docs["case-studies"]["cases"]}
        self.glossary = docs["glossary"]
        self.decisions = {d["id"]: d for d in docs["decisions"]["decisions"]}
        self.rulings = {r["id"]: r for r in docs["decisions"]["rulings"]}
        self.llm, self.llm_2026_of = _llm_index(self.frameworks["llm_top10"])
        self.asi = {i["id"]: i for i in _current(self.frameworks["asi_top10"])["items"]}
        self.external_threats = {i["id"]: dict(i, edition=e["edition"], framework=self.frameworks["agentic_threats"]["name"])
                                 for e in self.frameworks["agentic_threats"]["editions"] for i in e["items"]}
        self.cwe = self.frameworks["cwe"]
        self._index()

    # ----------------------------------------------------------------- indexes
    def _index(self):
        self.threat_layers: dict[str, dict[str, str]] = {}
        for row in self.docs["mapping"]["mapping"]:
            self.threat_layers[row["threat"]] = {k: v for k, v in row.items() if k != "threat"}
        self.threat_mitigations: dict[str, list[str]] = {t: [] for t in self.threats}
        for m in self.mitigations.values():
            for t in m["addresses"]:
                self.threat_mitigations.setdefault(t, []).append(m["id"])
        self.ref_items: dict[str, list[str]] = {}
        for item in self.items.values():
            for r in item["refs"]:
                self.ref_items.setdefault(r, []).append(item["id"])
        self.threat_patterns: dict[str, list[int]] = {}
        for p in self.patterns.values():
            for t in p["threats"]:
                self.threat_patterns.setdefault(t, []).append(p["n"])
        self.threat_cases: dict[str, list[str]] = {}
        for c in self.cases.values():
            for t in c["threats"]:
                self.threat_cases.setdefault(t, []).append(c["id"])
        self.threat_blindspots: dict[str, list[str]] = {}
        for b in self.blindspots.values():
            for t in b["related_threats"]:
                self.threat_blindspots.setdefault(t, []).append(b["id"])
        self.threat_considerations: dict[str, list[str]] = {}
        for c in self.considerations.values():
            for t in c["related_threats"]:
                self.threat_considerations.setdefault(t, []).append(c["key"])

    # ----------------------------------------------------------------- queries
    def llm_editions(self, cited: list) -> dict:
        """Cited LLM Top 10 entries in every edition side by side: each as written plus its crosswalk counterpart."""
        back = {new: old for old, new in self.llm_2026_of.items()}
        out: dict = {e["edition"]: [] for e in self.frameworks["llm_top10"]["editions"]}
        for c in cited:
            for x in (c, self.llm_2026_of.get(c), back.get(c)):
                if x and x in self.llm and x not in out[self.llm[x]["edition"]]:
                    out[self.llm[x]["edition"]].append(x)
        return out

    def llm_title(self, edition: str) -> str:
        return f"{self.frameworks['llm_top10']['name']} {edition}"

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


# ===================================================================== checks
def _strings(node, path=()):
    """Yield (path, parent, key, string) for every string inside a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str):
                yield path + (k,), node, k, v
            else:
                yield from _strings(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                yield path + (i,), node, i, v
            else:
                yield from _strings(v, path + (i,))


def _cross_check(kb: KB, col: _Collector):
    docs = kb.docs
    active = {t["id"] for t in kb.active_threats()}
    reserved = {t["id"] for t in kb.reserved_threats()}
    citable = {t for t in kb.threats if kb.status_of(t) != "reserved"} | set(kb.blindspots) | set(kb.mitigations)  # prose may name a deprecated ID

    def ref(name, node, key, ident, value, allowed, what):
        if value in reserved:
            col.add(name, node, key, ident, f"{value} is reserved and may not be referenced")
        elif value not in allowed:
            col.add(name, node, key, ident, f"unknown {what} {value}")

    # --- unique IDs, across every type
    seen: dict[str, str] = {}
    for name, key, items in (
        ("layers", "id", docs["layers"]["layers"]),
        ("threats", "id", docs["threats"]["threats"]),
        ("blindspots", "id", docs["blindspots"]["blindspots"]),
        ("mitigations", "id", docs["mitigations"]["mitigations"]),
        ("checklists", "id", [i for s in docs["checklists"]["sections"] for i in s["items"]]),
        ("threats", "key", docs["threats"]["considerations"]),
        ("patterns", "n", docs["patterns"]["patterns"]),
        ("case-studies", "id", docs["case-studies"]["cases"]),
        ("decisions", "id", docs["decisions"]["decisions"]),
        ("decisions", "id", docs["decisions"]["rulings"]),
        ("templates", "key", docs["templates"]["templates"]),
    ):
        for node in items:
            ident = f"{name}:{node[key]}" if name in ("patterns", "case-studies", "templates") else str(node[key])
            if ident in seen:
                col.add(name, node, key, str(node[key]), f"duplicate ID {node[key]} (first defined in {seen[ident]})")
            else:
                seen[ident] = col.rel(name)
    names_seen: dict[tuple, str] = {}
    for name, table in (("threats", kb.threats), ("blindspots", kb.blindspots), ("mitigations", kb.mitigations), ("layers", kb.layers)):
        for ident, node in table.items():
            if "name" in node:
                k = (name, node["name"].casefold())
                if k in names_seen:
                    col.add(name, node, "name", ident, f"name {node['name']!r} already used by {names_seen[k]}")
                names_seen[k] = ident

    # --- layers
    if [l for l in kb.layers] != LAYER_ORDER:
        col.add("layers", docs["layers"]["layers"], None, "", f"layers must be exactly {', '.join(LAYER_ORDER)} in that order")
    if [l["id"] for l in kb.layers.values() if l.get("vertical")] != ["L6"]:
        col.add("layers", docs["layers"]["layers"], None, "", "exactly one vertical layer, L6, is expected")

    # --- threats: numbering, reserved, references
    numbers = sorted(int(t[1:]) for t in kb.threats)
    if numbers != list(range(1, len(numbers) + 1)):
        col.add("threats", docs["threats"]["threats"], None, "", "threat IDs must run from T1 without gaps (reserve an ID instead of leaving a hole)")
    for t in docs["threats"]["threats"]:
        tid = t["id"]
        n = int(tid[1:])
        if t["kind"] == "core" and n > 15:
            col.add("threats", t, "kind", tid, "core threats are T1-T15")
        if t["kind"] == "extended" and n <= 15:
            col.add("threats", t, "kind", tid, "extended threats start at T16")
        if t["kind"] == "reserved" or not kb.listed(tid):
            continue  # reserved, deprecated and revoked threats leave the matrix and every list
        for i, a in enumerate(t["atlas"]):
            if a not in kb.atlas_techniques:
                col.add("threats", t["atlas"], i, tid, f"ATLAS technique {a} is not in data/atlas.yaml")
        for field, table, what in (("llm_top10", kb.llm, "LLM Top 10 ID"), ("asi_top10", kb.asi, "Agentic Top 10 ID"), ("cwe", kb.cwe, "CWE ID (add it to frameworks.yaml)")):
            for i, v in enumerate(t[field]):
                if v not in table:
                    col.add("threats", t[field], i, tid, f"unknown {what} {v}")
        for i, m in enumerate(t.get("partial_mitigations", [])):
            ref("threats", t["partial_mitigations"], i, tid, m, kb.mitigations, "mitigation")
        if tid not in kb.threat_layers:
            col.add("threats", t, "id", tid, "threat has no row in mapping.yaml")
    for c in docs["threats"]["considerations"]:
        if not c["layer"] in kb.layers:
            col.add("threats", c, "layer", c["key"], f"unknown layer {c['layer']}")
        for i, r in enumerate(c["related_threats"]):
            ref("threats", c["related_threats"], i, c["key"], r, active, "threat")
        for i, v in enumerate(c.get("llm_top10", [])):
            if v not in kb.llm:
                col.add("threats", c["llm_top10"], i, c["key"], f"unknown LLM Top 10 ID {v}")

    # --- mapping
    rows_seen = set()
    for row in docs["mapping"]["mapping"]:
        tid = row["threat"]
        if tid in rows_seen:
            col.add("mapping", row, "threat", tid, "duplicate mapping row")
        rows_seen.add(tid)
        ref("mapping", row, "threat", tid, tid, active, "threat")
        for k in row:
            if k != "threat" and k not in kb.layers:
                col.add("mapping", row, k, tid, f"unknown layer {k}")
        prim = [k for k, v in row.items() if v == "primary"]
        if not prim:
            col.add("mapping", row, "threat", tid, "every threat needs at least one primary layer")
        if tid in kb.threats and kb.threats[tid]["kind"] == "extended" and len(prim) != 1:
            col.add("mapping", row, "threat", tid, "an extended threat has exactly one primary layer (its taxonomy section)")

    # --- mitigations: ID format per layer/type, numbering, references
    by_group: dict[tuple, list[int]] = {}
    for m in docs["mitigations"]["mitigations"]:
        mid = m["id"]
        layer, letter, n = ids.mitigation_parts(mid)
        by_group.setdefault((layer, letter), []).append(n)
        for i, t in enumerate(m["addresses"]):
            ref("mitigations", m["addresses"], i, mid, t, active, "threat")
        if not m["addresses"] and not (m.get("scope") or m.get("patterns") or m.get("considerations")):
            col.add("mitigations", m, "addresses", mid, "a mitigation must address threats or state its scope, patterns or considerations")
        for i, p in enumerate(m.get("patterns", [])):
            if p not in kb.patterns:
                col.add("mitigations", m["patterns"], i, mid, f"unknown cross-layer pattern {p}")
        for i, c in enumerate(m.get("considerations", [])):
            if c not in kb.considerations:
                col.add("mitigations", m["considerations"], i, mid, f"unknown consideration {c}")
    for (layer, letter), nums in sorted(by_group.items()):
        if sorted(nums) != list(range(1, len(nums) + 1)):
            col.add("mitigations", docs["mitigations"]["mitigations"], None, f"{layer}-{letter}",
                    f"numbering of {layer}-{letter} must run 1..{len(nums)} without gaps, found {sorted(nums)}")
    for layer in LAYER_ORDER:
        for letter in TYPE_ORDER:
            if (layer, letter) not in by_group:
                col.add("mitigations", docs["mitigations"]["mitigations"], None, f"{layer}-{letter}",
                        f"layer {layer} has no {kb.types[letter]['name'].lower()} mitigation")
    if [t["letter"] for t in docs["mitigations"]["types"]] != TYPE_ORDER:
        col.add("mitigations", docs["mitigations"]["types"], None, "", "types must be P, D, C, R in that order")

    # --- blindspots
    bnums = sorted(int(b[3:]) for b in kb.blindspots)
    if bnums != list(range(1, len(bnums) + 1)):
        col.add("blindspots", docs["blindspots"]["blindspots"], None, "", "blindspot IDs must run from BV-1 without gaps")
    for b in docs["blindspots"]["blindspots"]:
        for i, t in enumerate(b["related_threats"]):
            ref("blindspots", b["related_threats"], i, b["id"], t, active, "threat")
        for i, m in enumerate(b["suggested_mitigations"]):
            ref("blindspots", b["suggested_mitigations"], i, b["id"], m, kb.mitigations, "mitigation")
        for i, a in enumerate(b["atlas"]):
            if a not in kb.atlas_techniques:
                col.add("blindspots", b["atlas"], i, b["id"], f"ATLAS technique {a} is not in data/atlas.yaml")
        if b["id"] not in kb.ref_items and kb.listed(b["id"]):
            col.add("blindspots", b, "id", b["id"], "no checklist item asks about this blindspot")

    # --- checklists
    expected_sections = LAYER_ORDER + ["BV"]
    if list(kb.sections) != expected_sections:
        col.add("checklists", docs["checklists"]["sections"], None, "", f"sections must be {', '.join(expected_sections)} in order")
    for s in docs["checklists"]["sections"]:
        for item in s["items"]:
            if not item["id"].startswith(f"CK-{s['id']}-"):
                col.add("checklists", item, "id", item["id"], f"item ID must start with CK-{s['id']}-")
            for i, r in enumerate(item["refs"]):
                ref("checklists", item["refs"], i, item["id"], r, active | set(kb.blindspots), "threat or blindspot")
            for i, v in enumerate(item.get("llm_top10", [])):
                if v not in kb.llm:
                    col.add("checklists", item["llm_top10"], i, item["id"], f"unknown LLM Top 10 ID {v}")

    # --- patterns
    pn = sorted(kb.patterns)
    if pn != list(range(1, len(pn) + 1)):
        col.add("patterns", docs["patterns"]["patterns"], None, "", "patterns must be numbered from 1 without gaps")
    for p in docs["patterns"]["patterns"]:
        for i, t in enumerate(p["threats"]):
            ref("patterns", p["threats"], i, f"pattern {p['n']}", t, active, "threat")
        for i, m in enumerate(p["mitigations"]):
            ref("patterns", p["mitigations"], i, f"pattern {p['n']}", m, kb.mitigations, "mitigation")
        for i, s in enumerate(p["steps"]):
            if s["layer"] not in p["layers"]:
                col.add("patterns", p["steps"], i, f"pattern {p['n']}", f"step layer {s['layer']} is not among the pattern's layers")
    for k in kb.key_threats:
        for i, t in enumerate(k["threats"]):
            ref("patterns", k["threats"], i, k["label"], t, active, "threat")

    # --- risk factors, phases, depth, templates
    for f in docs["risk-factors"]["factors"]:
        missing = [l for l in LAYER_ORDER if l not in f["per_layer"]]
        if missing:
            col.add("risk-factors", f, "per_layer", f["key"], f"per_layer lacks {', '.join(missing)}")
    if sorted(kb.phases) != list(range(1, 11)):
        col.add("phases", docs["phases"]["phases"], None, "", "phases must be 1..10")
    tnames = {t["name"] for t in kb.templates.values()}
    for p in docs["phases"]["phases"]:
        for i, d in enumerate(p["depends_on"]):
            if d >= p["n"]:
                col.add("phases", p["depends_on"], i, f"phase {p['n']}", f"phase {p['n']} cannot depend on later phase {d}")
        for i, t in enumerate(p["templates"]):
            if t not in tnames:
                col.add("phases", p["templates"], i, f"phase {p['n']}", f"unknown template {t!r}")
    for d in docs["depth"]["depths"]:
        for i, l in enumerate(d["layers"]):
            if l not in kb.layers:
                col.add("depth", d["layers"], i, d["key"], f"unknown layer {l}")

    # --- scoring: complete matrices over the scales
    sev = [s["level"] for s in kb.scoring["severity"]]
    lik = [s["level"] for s in kb.scoring["likelihood"]]
    for s in sev:
        row = kb.scoring["matrix"].get(s)
        if row is None or sorted(row) != sorted(lik):
            col.add("scoring", docs["scoring"]["matrix"], s if row is not None else None, s, f"risk matrix row {s} must have one cell per likelihood level")
    levels = [r["level"] for r in kb.scoring["risk_levels"]]
    if levels != ["Low", "Medium", "High", "Critical"] or [r["value"] for r in kb.scoring["risk_levels"]] != [1, 2, 3, 4]:
        col.add("scoring", docs["scoring"]["risk_levels"], None, "", "risk levels must be Low=1, Medium=2, High=3, Critical=4")
    for e in ("Low", "Medium", "High"):
        row = kb.scoring["cost_effectiveness"].get(e, {})
        if sorted(row) != ["High", "Low", "Medium"]:
            col.add("scoring", docs["scoring"]["cost_effectiveness"], e if e in kb.scoring["cost_effectiveness"] else None, e, "cost-effectiveness row must have Low, Medium and High cost cells")

    # --- counts declared in meta.yaml
    cnt = kb.meta["counts"]
    for kind in ("core", "extended", "reserved"):
        have = sum(t["kind"] == kind for t in kb.threats.values())
        if have != cnt["threats"][kind]:
            col.add("threats", docs["threats"]["threats"], None, kind, f"{have} {kind} threats, meta.yaml counts declare {cnt['threats'][kind]}")
    for what, have, node in (("blindspots", len(kb.blindspots), docs["blindspots"]["blindspots"]),
                             ("considerations", len(kb.considerations), docs["threats"]["considerations"])):
        if have != cnt[what]:
            col.add("blindspots" if what == "blindspots" else "threats", node, None, what, f"{have} {what}, meta.yaml counts declare {cnt[what]}")
    for sid, s_ in kb.sections.items():
        if len(s_["items"]) != cnt["checklist_items"].get(sid):
            col.add("checklists", s_, "items", sid, f"{len(s_['items'])} checklist items, meta.yaml counts declare {cnt['checklist_items'].get(sid)}")
    for layer in LAYER_ORDER:
        by = kb.layer_mitigations(layer)
        for i, letter in enumerate(TYPE_ORDER):
            want = cnt["mitigations"].get(layer, [None] * 4)[i]
            if len(by[letter]) != want:
                col.add("mitigations", docs["mitigations"]["mitigations"], None, f"{layer}-{letter}",
                        f"layer {layer} has {len(by[letter])} {kb.types[letter]['key']} mitigations, meta.yaml counts declare {want}")

    # --- frameworks, case studies, decisions
    for layer, t in kb.frameworks["layer_tactics"].items():
        for i, a in enumerate(t["atlas"]):
            if a not in kb.atlas_tactics:
                col.add("frameworks", t["atlas"], i, layer, f"ATLAS tactic {a} is not in data/atlas.yaml")
    for c in docs["case-studies"]["cases"]:
        for i, t in enumerate(c["threats"]):
            ref("case-studies", c["threats"], i, f"case {c['id']}", t, active, "threat")
        if sorted(c["findings"]) != sorted(c["threats"]):
            col.add("case-studies", c, "findings", f"case {c['id']}", "findings must have exactly one entry per threat of the case")
        for i, p in enumerate(c.get("patterns", [])):
            if p not in kb.patterns:
                col.add("case-studies", c["patterns"], i, f"case {c['id']}", f"unknown pattern {p}")

    # --- text: no markup, enough words, and every ID written in prose exists
    for name, doc in docs.items():
        if name == "atlas":
            continue
        for path, parent, key, s in _strings(doc):
            ident = _ident(doc, path[:-1]) or _ident(doc, path)
            m = MARKUP.search(s)
            if m:
                col.add(name, parent, key, ident, f"markup is not allowed in data text: {m.group(0)!r} (data is plain text)")
            field = path[-1] if isinstance(path[-1], str) else path[-2]
            need = MIN_WORDS.get((name, "consideration" if path[0] == "considerations" and field == "description" else field))
            if need and len(s.split()) < need:
                col.add(name, parent, key, ident, f"{field} needs at least {need} words, has {len(s.split())}")
            if name in ("decisions", "meta", "templates", "depth"):
                continue  # these name ID ranges and placeholders, not citations
            if len(s.split()) < 3:
                continue  # a bare ID field, not prose; reference fields are checked above
            for tok in ids.ID_SHAPED.findall(s):
                if tok in reserved:
                    col.add(name, parent, key, ident, f"text cites reserved ID {tok}")
                elif tok not in citable:
                    col.add(name, parent, key, ident, f"text cites unknown ID {tok}")
    for t in kb.active_threats():
        if len(t["indicators"]) < 3:
            col.add("threats", t, "indicators", t["id"], "at least 3 indicators are expected")
    _check_atlas_lifecycle(kb, col)
    _check_crosswalk(kb, col)
    _check_lifecycle(kb, col)
    dn = sorted(int(d[1:]) for d in kb.decisions)
    if dn != list(range(1, len(dn) + 1)):
        col.add("decisions", docs["decisions"]["decisions"], None, "", "decisions must run D01.. without gaps")
    rn = sorted(int(r[1:]) for r in kb.rulings)
    if rn != list(range(1, len(rn) + 1)):
        col.add("decisions", docs["decisions"]["rulings"], None, "", "rulings must run R01.. without gaps")


def _check_atlas_lifecycle(kb: KB, col: _Collector) -> None:
    """Retired ATLAS IDs are gone from the list and name a successor that is in it; renamed IDs exist."""
    retired = kb.atlas["retired"]
    for i, r in enumerate(retired):
        if r["id"] in kb.atlas_techniques or r["id"] in kb.atlas_mitigations:
            col.add("atlas", retired, i, r["id"], "a retired ID must not stay in the list")
        if r["replaced_by"] not in kb.atlas_techniques and r["replaced_by"] not in kb.atlas_mitigations:
            col.add("atlas", retired[i], "replaced_by", r["id"], f"successor {r['replaced_by']} is not in the list")
    for i, r in enumerate(kb.atlas["renamed"]):
        if r["id"] not in kb.atlas_techniques and r["id"] not in kb.atlas_mitigations:
            col.add("atlas", kb.atlas["renamed"], i, r["id"], "renamed ID is not in the list")


def _check_lifecycle(kb: KB, col: _Collector) -> None:
    """A deprecated or revoked ID says when and why; a revoked one names an active ID of the same type; nothing lists either."""
    tables = {"threats": kb.threats, "blindspots": kb.blindspots, "mitigations": kb.mitigations}
    for name, table in tables.items():
        for ident, e in table.items():
            status = e.get("status", "active")
            for block in ("deprecated", "revoked"):
                if (status == block) != (block in e):
                    col.add(name, e, "status", ident, f"status {status} and a '{block}' block go together")
            if status == "revoked" and "revoked" in e:
                new = e["revoked"]["replaced_by"]
                if new not in table or not kb.listed(new):
                    col.add(name, e["revoked"], "replaced_by", ident, f"{new} must be an active ID of the same type")
    unlisted = {i for t in tables.values() for i in t if kb.status_of(i) in ("deprecated", "revoked")}
    for row in kb.docs["mapping"]["mapping"]:
        if row["threat"] in unlisted:
            col.add("mapping", row, "threat", row["threat"], "a deprecated or revoked threat leaves the matrix: remove its row")
    for m in kb.mitigations.values():
        for i, t in enumerate(m["addresses"]):
            if t in unlisted:
                col.add("mitigations", m["addresses"], i, m["id"], f"{t} is {kb.status_of(t)}: remove it from the list (its page stays)")
    for item in kb.items.values():
        for i, r in enumerate(item["refs"]):
            if r in unlisted:
                col.add("checklists", item["refs"], i, item["id"], f"{r} is {kb.status_of(r)}: remove it from the checklist")


_CROSSWALK = ("llm_top10", "asi_top10", "cwe", "atlas")


def _check_crosswalk(kb: KB, col: _Collector) -> None:
    """Every crosswalk field of a threat or blindspot is filled or says why not; every LLM entry is used or says why not."""
    tables = {"llm_top10": kb.llm, "asi_top10": kb.asi, "cwe": kb.cwe, "atlas": kb.atlas_techniques}
    entries = [("threats", t) for t in kb.active_threats()] + [("blindspots", b) for b in kb.blindspots.values() if kb.listed(b["id"])]
    for name, e in entries:
        reasons = e.get("no_mapping", {})
        for field in _CROSSWALK:
            if not e[field] and not reasons.get(field):
                col.add(name, e, field, e["id"], f"{field} is empty: map it, or say why nothing fits in no_mapping.{field}")
            if e[field] and field in reasons:
                col.add(name, e["no_mapping"], field, e["id"], f"no_mapping.{field} explains an empty list, but {field} is filled")
        if name == "blindspots":
            for field in ("llm_top10", "asi_top10", "cwe"):
                for i, v in enumerate(e[field]):
                    if v not in tables[field]:
                        col.add(name, e[field], i, e["id"], f"unknown {field} value {v}")
    used = {x for _, e in entries for ed in kb.llm_editions(e["llm_top10"]).values() for x in ed}
    items = next(ed for ed in kb.frameworks["llm_top10"]["editions"] if ed["edition"] == "2025")["items"]
    for i, it in enumerate(items):
        cited = f"{it['id']}:2025"
        if cited not in used and not it.get("unmapped"):
            col.add("frameworks", items, i, cited, "no threat or blindspot maps to this entry: map one, or say why in 'unmapped'")
        if cited in used and it.get("unmapped"):
            col.add("frameworks", items[i], "unmapped", cited, "'unmapped' is set, but threats map to this entry")
    for m in kb.mitigations.values():
        for i, a in enumerate(m.get("atlas_mitigations", [])):
            if a not in kb.atlas_mitigations:
                col.add("mitigations", m["atlas_mitigations"], i, m["id"], f"ATLAS mitigation {a} is not in data/atlas.yaml")


_CACHE: dict[str, tuple[str, KB]] = {}


def load_cached(data_dir: str | Path) -> KB:
    """``load_kb`` memoised on the content of the data files.

    The site build asks for the knowledge base from two places (the macros module and the
    hooks); both get the same object, and it is loaded and validated once per content version.
    """
    key = str(Path(data_dir).resolve())
    fp = _fingerprint(Path(data_dir))
    hit = _CACHE.get(key)
    if hit and hit[0] == fp:
        return hit[1]
    kb = load_kb(data_dir)
    _CACHE[key] = (fp, kb)
    return kb
