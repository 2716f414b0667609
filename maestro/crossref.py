"""Cross-reference rules: what the JSON Schemas (schemas.py) cannot express.

Each rule is one function ``check_<what>(kb, col)`` registered with ``@rule``; it reads the loaded knowledge base and
records each problem with ``col.add(file, node, key, id, message)``, which turns the node into a line. ``kb.load_kb``
runs the rules in ``RULES``, the order they are registered in this module: unique IDs first, then per data file, with
the rules that span files (declared counts, prose, crosswalk, lifecycle, coverage) among them. A rule may rely on the
indexes of ``KB`` but never on another rule having passed.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

from . import crosswalk, ids, schemas
from .crosswalk import ASI_TOP10, ATLAS, ATLAS_CASE_STUDIES, ATLAS_MITIGATIONS, ATLAS_TACTICS, CWE, LLM_TOP10
from .jsonschema_check import ident_along as _ident
from .knowledge import KB, LAYER_ORDER, TYPE_ORDER
from .problems import Collector

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
# Data is plain text, escaped where it is rendered; this rule is the second line. It refuses shapes, not a list of
# names: anything an HTML parser would start a tag, end tag, comment or declaration with (`<` then a letter, `/`, `!`
# or `?`), a quote that closes an attribute (`">`, `'>`), URL schemes that run code (a `data:` URL has no space after
# its colon, unlike a sentence that says "data: ..."), template delimiters, Markdown links, bold and code. `a < b`
# stays allowed. PLACEHOLDERS are the only exception: the ID formats in templates.yaml and decisions.yaml write
# `<PROJ>-T<n>`, and the exact words listed here, without attributes, can carry no markup.
PLACEHOLDERS = ("PROJ", "n", "layer", "type", "project")
MARKUP = re.compile(rf"<(?!(?:{'|'.join(PLACEHOLDERS)})>)[A-Za-z/!?][^<>]{{0,40}}>?" r"""|["']>|\{[{%#]|\]\(|\*\*|`""")
SCRIPT_SCHEME = re.compile(r"(?i)(?:javascript|vbscript|\bdata(?=:\S)):")  # apart from MARKUP, so it runs only on text with a colon
# Code points that alter how text reads without being seen: format characters (zero-width space and joiners, soft
# hyphen, byte-order mark, and every bidirectional control: U+200E, U+200F, U+061C, U+202A..U+202E, U+2066..U+2069),
# control characters other than tab and newline, line and paragraph separators, and private-use characters.
HIDDEN_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp", "Co"})
# Scripts whose letters pass for Latin ones: a word that mixes them with Latin letters or digits (Т12 with a Cyrillic
# Т) hides an ID from every rule that looks for IDs. Fullwidth and font variants of letters and digits (T１２,
# mathematical bold 𝐓12) do the same and are refused alike.
LOOK_ALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK"})
# Fields that hold IDs (besides those whose schema gives them a format): IDs are ASCII.
ID_FIELDS = frozenset({"id", "key", "threat", "replaced_by", "adds", "refs", "addresses", "related_threats", "nearest",
                       "suggested_mitigations", "partial_mitigations", "parent", "was_2025", "tactics", "letter"})
_WORD = re.compile(r"[^\W_]+")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # the ASCII part of HIDDEN_CATEGORIES
_URL_KEY = re.compile(schemas.URL_KEY)
_CROSSWALK = crosswalk.MAPPING_NAMES
WHY_WORDS = 8  # a stated reason for a link (a control's or a blindspot's why) is one sentence of at least this many words
COVERAGE_TYPES = ("P", "D", "C")  # every active threat and blindspot has a catalog control of each (check_coverage)
# ------------------------------------------------------------------ the registry
RULES: list[Callable[[KB, Collector], None]] = []


def rule(func: Callable[[KB, Collector], None]) -> Callable[[KB, Collector], None]:
    """Register ``func`` as a cross-reference rule; rules run in the order they are registered."""
    if any(r.__name__ == func.__name__ for r in RULES):
        raise ValueError(f"cross-reference rule {func.__name__} registered twice")
    RULES.append(func)
    return func


# ------------------------------------------------------------------ helpers
def strings(node, path=()):
    """Yield (path, parent, key, string) for every string inside a document."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for k, v in items:
        if isinstance(v, str):
            yield path + (k,), node, k, v
        else:
            yield from strings(v, path + (k,))


def _active(kb: KB) -> set:
    return {t["id"] for t in kb.active_threats()}


def _ref(kb: KB, col: Collector, name, node, key, ident, value, allowed, what) -> None:
    """A reference to a threat, blindspot or mitigation: reserved IDs and unknown ones are problems."""
    if kb.status_of(value) == "reserved":
        col.add(name, node, key, ident, f"{value} is reserved and may not be referenced")
    elif value not in allowed:
        col.add(name, node, key, ident, f"unknown {what} {value}")


def _known(col: Collector, name, values, ident, table, message) -> None:
    """Every entry of the list ``values`` is in ``table``; ``message`` is formatted with the entry."""
    for i, v in enumerate(values):
        if v not in table:
            col.add(name, values, i, ident, message.format(v))


def _runs_from_1(numbers) -> bool:
    return sorted(numbers) == list(range(1, len(numbers) + 1))


def _reasons(col: Collector, name, entry, field, ident, needs, why_what) -> None:
    """An entry's ``why`` explains the links in its list ``field``: every key is in the list, every reason has at least
    WHY_WORDS words, and every link for which ``needs(link)`` is true has a reason."""
    why, links = entry.get("why", {}), entry[field]
    for k, text in why.items():
        if k not in links:
            col.add(name, why, k, ident, f"why names {k}, which is not in {field}: a reason explains a link")
        elif len(text.split()) < WHY_WORDS:
            col.add(name, why, k, ident, f"why.{k} needs at least {WHY_WORDS} words, has {len(text.split())}")
    for i, k in enumerate(links):
        if k not in why and needs(k):
            col.add(name, links, i, ident, f"{k} has no reason: say in why.{k}, in one sentence, why {why_what}")


# ------------------------------------------------------------------ the rules, in the order load_kb runs them
_ID_TABLES = (  # (file, key, list of entries): IDs unique across every type
    ("layers", "id", lambda d: d["layers"]["layers"]),
    ("threats", "id", lambda d: d["threats"]["threats"]),
    ("blindspots", "id", lambda d: d["blindspots"]["blindspots"]),
    ("mitigations", "id", lambda d: d["mitigations"]["mitigations"]),
    ("checklists", "id", lambda d: [i for s in d["checklists"]["sections"] for i in s["items"]]),
    ("threats", "key", lambda d: d["threats"]["considerations"]),
    ("patterns", "n", lambda d: d["patterns"]["patterns"]),
    ("case-studies", "id", lambda d: d["case-studies"]["cases"]),
    ("decisions", "id", lambda d: d["decisions"]["decisions"]),
    ("decisions", "id", lambda d: d["decisions"]["rulings"]),
    ("templates", "key", lambda d: d["templates"]["templates"]),
)
_ID_LISTS = (  # (file, lists whose entries' IDs are unique within each list): the schema leaves these to the loader
    ("checklists", lambda d: [d["checklists"]["sections"]]),
    ("frameworks", lambda d: [e["items"] for v in d["frameworks"].values() if isinstance(v, dict) for e in v.get("editions", [])]),
    ("atlas", lambda d: [d["atlas"][k] for k in ("tactics", "techniques", "mitigations", "case_studies", "retired", "renamed")]),
    ("decisions", lambda d: [r.get("extends", []) for r in d["decisions"]["rulings"]]),
    ("sweep", lambda d: [d["sweep"]["weaknesses"]]),  # rule IDs: check_sweep, across weaknesses
)


@rule
def check_unique(kb: KB, col: Collector) -> None:
    """No ID is defined twice (patterns, cases and templates per file; external IDs, sections, ruling extensions and
    sweep entries per list); no two entries of a type share a name."""
    seen: dict[str, str] = {}
    for name, key, entries in _ID_TABLES:
        for node in entries(kb.docs):
            ident = f"{name}:{node[key]}" if name in ("patterns", "case-studies", "templates") else str(node[key])
            if ident in seen:
                col.add(name, node, key, str(node[key]), f"duplicate ID {node[key]} (first defined in {seen[ident]})")
            else:
                seen[ident] = col.rel(name)
    for name, lists in _ID_LISTS:
        for entries in lists(kb.docs):
            first: dict = {}
            for node in entries:
                if node["id"] in first:
                    col.add(name, node, "id", str(node["id"]), f"duplicate ID {node['id']} (first defined on line {first[node['id']]})")
                first.setdefault(node["id"], getattr(node, "line", 0))
    names_seen: dict[tuple, str] = {}
    for name, table in (("threats", kb.threats), ("blindspots", kb.blindspots), ("mitigations", kb.mitigations), ("layers", kb.layers)):
        for ident, node in table.items():
            if "name" in node:
                k = (name, node["name"].casefold())
                if k in names_seen:
                    col.add(name, node, "name", ident, f"name {node['name']!r} already used by {names_seen[k]}")
                names_seen[k] = ident


@rule
def check_layers(kb: KB, col: Collector) -> None:
    """L1..L7 and CL in order; L6 is the one vertical layer."""
    layers = kb.docs["layers"]["layers"]
    if list(kb.layers) != LAYER_ORDER:
        col.add("layers", layers, None, "", f"layers must be exactly {', '.join(LAYER_ORDER)} in that order")
    if [l["id"] for l in kb.layers.values() if l.get("vertical")] != ["L6"]:
        col.add("layers", layers, None, "", "exactly one vertical layer, L6, is expected")


@rule
def check_threats(kb: KB, col: Collector) -> None:
    """Numbering and kinds; every listed threat's crosswalk IDs exist and it has a mapping row; considerations."""
    docs = kb.docs
    if not _runs_from_1([int(t[1:]) for t in kb.threats]):
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
        _known(col, "threats", t[ATLAS.name], tid, kb.atlas_techniques, "ATLAS technique {} is not in data/atlas.yaml")
        _known(col, "threats", t.get(ATLAS_CASE_STUDIES.name, []), tid, kb.atlas_case_studies, "ATLAS case study {} is not in data/atlas.yaml")
        _known(col, "threats", t[LLM_TOP10.name], tid, kb.llm, "unknown LLM Top 10 ID {}")
        _known(col, "threats", t[ASI_TOP10.name], tid, kb.asi, "unknown Agentic Top 10 ID {}")
        _known(col, "threats", t[CWE.name], tid, kb.cwe, "unknown CWE ID (add it to frameworks.yaml) {}")
        for i, m in enumerate(t.get("partial_mitigations", [])):
            _ref(kb, col, "threats", t["partial_mitigations"], i, tid, m, kb.mitigations, "mitigation")
        if tid not in kb.threat_layers:
            col.add("threats", t, "id", tid, "threat has no row in mapping.yaml")
        if len(t["indicators"]) < 3:
            col.add("threats", t, "indicators", tid, "at least 3 indicators are expected")
    active = _active(kb)
    for c in docs["threats"]["considerations"]:
        if c["layer"] not in kb.layers:
            col.add("threats", c, "layer", c["key"], f"unknown layer {c['layer']}")
        for i, r in enumerate(c["related_threats"]):
            _ref(kb, col, "threats", c["related_threats"], i, c["key"], r, active, "threat")
        _known(col, "threats", c.get(LLM_TOP10.name, []), c["key"], kb.llm, "unknown LLM Top 10 ID {}")


@rule
def check_mapping(kb: KB, col: Collector) -> None:
    """One row per active threat, known layers only, primary layers as the threat's kind requires."""
    active = _active(kb)
    rows_seen = set()
    for row in kb.docs["mapping"]["mapping"]:
        tid = row["threat"]
        if tid in rows_seen:
            col.add("mapping", row, "threat", tid, "duplicate mapping row")
        rows_seen.add(tid)
        _ref(kb, col, "mapping", row, "threat", tid, tid, active, "threat")
        for k in row:
            if k != "threat" and k not in kb.layers:
                col.add("mapping", row, k, tid, f"unknown layer {k}")
        prim = [k for k, v in row.items() if v == "primary"]
        if not prim:
            col.add("mapping", row, "threat", tid, "every threat needs at least one primary layer")
        if tid in kb.threats and kb.threats[tid]["kind"] == "extended" and len(prim) != 1:
            col.add("mapping", row, "threat", tid, "an extended threat has exactly one primary layer (its taxonomy section)")


@rule
def check_mitigations(kb: KB, col: Collector) -> None:
    """References of each mitigation; numbering per layer and type; every layer has every type; types P, D, C, R."""
    docs, active = kb.docs, _active(kb)
    by_group: dict[tuple, list[int]] = {}
    for m in docs["mitigations"]["mitigations"]:
        mid = m["id"]
        layer, letter, n = ids.mitigation_parts(mid)
        by_group.setdefault((layer, letter), []).append(n)
        for i, t in enumerate(m["addresses"]):
            _ref(kb, col, "mitigations", m["addresses"], i, mid, t, active, "threat")
        if not m["addresses"] and not (m.get("scope") or m.get("patterns") or m.get("considerations")):
            col.add("mitigations", m, "addresses", mid, "a mitigation must address threats or state its scope, patterns or considerations")
        _known(col, "mitigations", m.get("patterns", []), mid, kb.patterns, "unknown cross-layer pattern {}")
        _known(col, "mitigations", m.get("considerations", []), mid, kb.considerations, "unknown consideration {}")
        _reasons(col, "mitigations", m, "addresses", mid, lambda t: not ids.names(m["description"], t),
                 "the control applies to it (its description does not name it)")
    whole = docs["mitigations"]["mitigations"]
    for (layer, letter), nums in sorted(by_group.items()):
        if not _runs_from_1(nums):
            col.add("mitigations", whole, None, f"{layer}-{letter}",
                    f"numbering of {layer}-{letter} must run 1..{len(nums)} without gaps, found {sorted(nums)}")
    for layer in LAYER_ORDER:
        for letter in TYPE_ORDER:
            if (layer, letter) not in by_group:
                col.add("mitigations", whole, None, f"{layer}-{letter}", f"layer {layer} has no {kb.types[letter]['name'].lower()} mitigation")
    if [t["letter"] for t in docs["mitigations"]["types"]] != TYPE_ORDER:
        col.add("mitigations", docs["mitigations"]["types"], None, "", "types must be P, D, C, R in that order")


@rule
def check_blindspots(kb: KB, col: Collector) -> None:
    """BV-1.. without gaps; references exist; every listed blindspot has a checklist item."""
    docs, active = kb.docs, _active(kb)
    if not _runs_from_1([int(b[3:]) for b in kb.blindspots]):
        col.add("blindspots", docs["blindspots"]["blindspots"], None, "", "blindspot IDs must run from BV-1 without gaps")
    for b in docs["blindspots"]["blindspots"]:
        for i, t in enumerate(b["related_threats"]):
            _ref(kb, col, "blindspots", b["related_threats"], i, b["id"], t, active, "threat")
        for i, m in enumerate(b["suggested_mitigations"]):
            _ref(kb, col, "blindspots", b["suggested_mitigations"], i, b["id"], m, kb.mitigations, "mitigation")
        _reasons(col, "blindspots", b, "suggested_mitigations", b["id"], lambda m: True, "the control applies to the blindspot")
        _known(col, "blindspots", b[ATLAS.name], b["id"], kb.atlas_techniques, "ATLAS technique {} is not in data/atlas.yaml")
        _known(col, "blindspots", b.get(ATLAS_CASE_STUDIES.name, []), b["id"], kb.atlas_case_studies, "ATLAS case study {} is not in data/atlas.yaml")
        if b["id"] not in kb.ref_items and kb.listed(b["id"]):
            col.add("blindspots", b, "id", b["id"], "no checklist item asks about this blindspot")


@rule
def check_checklists(kb: KB, col: Collector) -> None:
    """Sections per layer then BV; item IDs carry their section; references exist."""
    docs = kb.docs
    expected = LAYER_ORDER + ["BV"]
    if list(kb.sections) != expected:
        col.add("checklists", docs["checklists"]["sections"], None, "", f"sections must be {', '.join(expected)} in order")
    allowed = _active(kb) | set(kb.blindspots)
    for s in docs["checklists"]["sections"]:
        for item in s["items"]:
            if not item["id"].startswith(f"CK-{s['id']}-"):
                col.add("checklists", item, "id", item["id"], f"item ID must start with CK-{s['id']}-")
            for i, r in enumerate(item["refs"]):
                _ref(kb, col, "checklists", item["refs"], i, item["id"], r, allowed, "threat or blindspot")
            if not item["refs"] and not item.get("no_refs"):
                col.add("checklists", item, "refs", item["id"], "refs is empty: cite what the question probes, or say why nothing fits in no_refs")
            if item["refs"] and item.get("no_refs"):
                col.add("checklists", item, "no_refs", item["id"], "no_refs explains an empty refs list, but refs is filled")
            _known(col, "checklists", item.get(LLM_TOP10.name, []), item["id"], kb.llm, "unknown LLM Top 10 ID {}")


@rule
def check_patterns(kb: KB, col: Collector) -> None:
    """Patterns numbered from 1; their threats, mitigations and step layers exist; key threats exist."""
    docs, active = kb.docs, _active(kb)
    if not _runs_from_1(list(kb.patterns)):
        col.add("patterns", docs["patterns"]["patterns"], None, "", "patterns must be numbered from 1 without gaps")
    for p in docs["patterns"]["patterns"]:
        label = f"pattern {p['n']}"
        for i, t in enumerate(p["threats"]):
            _ref(kb, col, "patterns", p["threats"], i, label, t, active, "threat")
        for i, m in enumerate(p["mitigations"]):
            _ref(kb, col, "patterns", p["mitigations"], i, label, m, kb.mitigations, "mitigation")
        for i, s in enumerate(p["steps"]):
            if s["layer"] not in p["layers"]:
                col.add("patterns", p["steps"], i, label, f"step layer {s['layer']} is not among the pattern's layers")
    for k in kb.key_threats:
        for i, t in enumerate(k["threats"]):
            _ref(kb, col, "patterns", k["threats"], i, k["label"], t, active, "threat")


@rule
def check_risk_factors(kb: KB, col: Collector) -> None:
    """Every risk factor says something for every layer."""
    for f in kb.docs["risk-factors"]["factors"]:
        missing = [l for l in LAYER_ORDER if l not in f["per_layer"]]
        if missing:
            col.add("risk-factors", f, "per_layer", f["key"], f"per_layer lacks {', '.join(missing)}")


@rule
def check_phases(kb: KB, col: Collector) -> None:
    """Phases 1..10; a phase depends only on earlier ones and names known templates."""
    if sorted(kb.phases) != list(range(1, 11)):
        col.add("phases", kb.docs["phases"]["phases"], None, "", "phases must be 1..10")
    tnames = {t["name"] for t in kb.templates.values()}
    for p in kb.docs["phases"]["phases"]:
        for i, d in enumerate(p["depends_on"]):
            if d >= p["n"]:
                col.add("phases", p["depends_on"], i, f"phase {p['n']}", f"phase {p['n']} cannot depend on later phase {d}")
        for i, t in enumerate(p["templates"]):
            if t not in tnames:
                col.add("phases", p["templates"], i, f"phase {p['n']}", f"unknown template {t!r}")


@rule
def check_depth(kb: KB, col: Collector) -> None:
    """Each depth names known layers."""
    for d in kb.docs["depth"]["depths"]:
        _known(col, "depth", d["layers"], d["key"], kb.layers, "unknown layer {}")


@rule
def check_scoring(kb: KB, col: Collector) -> None:
    """Complete matrices over the scales; risk levels Low=1..Critical=4."""
    sc, node = kb.scoring, kb.docs["scoring"]
    lik = [s["level"] for s in sc["likelihood"]]
    for s in [s["level"] for s in sc["severity"]]:
        row = sc["matrix"].get(s)
        if row is None or sorted(row) != sorted(lik):
            col.add("scoring", node["matrix"], s if row is not None else None, s, f"risk matrix row {s} must have one cell per likelihood level")
    levels = [r["level"] for r in sc["risk_levels"]]
    if levels != ["Low", "Medium", "High", "Critical"] or [r["value"] for r in sc["risk_levels"]] != [1, 2, 3, 4]:
        col.add("scoring", node["risk_levels"], None, "", "risk levels must be Low=1, Medium=2, High=3, Critical=4")
    for e in ("Low", "Medium", "High"):
        row = sc["cost_effectiveness"].get(e, {})
        if sorted(row) != ["High", "Low", "Medium"]:
            col.add("scoring", node["cost_effectiveness"], e if e in sc["cost_effectiveness"] else None, e,
                    "cost-effectiveness row must have Low, Medium and High cost cells")


@rule
def check_counts(kb: KB, col: Collector) -> None:
    """The counts declared in meta.yaml match the data."""
    docs, cnt = kb.docs, kb.meta["counts"]
    for kind in ("core", "extended", "reserved"):
        have = sum(t["kind"] == kind for t in kb.threats.values())
        if have != cnt["threats"][kind]:
            col.add("threats", docs["threats"]["threats"], None, kind, f"{have} {kind} threats, meta.yaml counts declare {cnt['threats'][kind]}")
    for what, name, have, node in (("blindspots", "blindspots", len(kb.blindspots), docs["blindspots"]["blindspots"]),
                                   ("considerations", "threats", len(kb.considerations), docs["threats"]["considerations"])):
        if have != cnt[what]:
            col.add(name, node, None, what, f"{have} {what}, meta.yaml counts declare {cnt[what]}")
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


@rule
def check_frameworks(kb: KB, col: Collector) -> None:
    """The ATLAS tactics of each layer exist in atlas.yaml."""
    for layer, t in kb.frameworks["layer_tactics"].items():
        _known(col, "frameworks", t[ATLAS_TACTICS.name], layer, kb.atlas_tactics, "ATLAS tactic {} is not in data/atlas.yaml")


@rule
def check_case_studies(kb: KB, col: Collector) -> None:
    """A case's threats and patterns exist; it has one finding per threat."""
    active = _active(kb)
    for c in kb.docs["case-studies"]["cases"]:
        label = f"case {c['id']}"
        for i, t in enumerate(c["threats"]):
            _ref(kb, col, "case-studies", c["threats"], i, label, t, active, "threat")
        if sorted(c["findings"]) != sorted(c["threats"]):
            col.add("case-studies", c, "findings", label, "findings must have exactly one entry per threat of the case")
        _known(col, "case-studies", c.get("patterns", []), label, kb.patterns, "unknown pattern {}")


@rule
def check_prose(kb: KB, col: Collector) -> None:
    """Every data string is plain text (_plain_text); prose has enough words and cites only IDs that exist and are not
    reserved (ATLAS names are MITRE's, not prose)."""
    cited = _citations(kb)
    for name, doc in kb.docs.items():
        for path, parent, key, s in strings(doc):
            field = _field(path)
            messages = _plain_text(field, s) + ([] if name == "atlas" else _prose(name, path, field, s, cited))
            for message in messages:
                col.add(name, parent, key, _ident(doc, path[:-1]) or _ident(doc, path), message)


def _field(path) -> str:
    """The field a string belongs to (for an item of a list, the list's field)."""
    return next((p for p in reversed(path) if isinstance(p, str)), "")


def _plain_text(field: str, s: str) -> list[str]:
    """What any data string may not hold: hidden code points, look-alike letters, markup; in an address field anything
    but an https address, in an ID field anything but ASCII."""
    return _hidden(s) + _look_alike(s) + _markup(s) + _address(field, s) + _ascii_id(field, s)


def _code_point(ch: str) -> str:
    """``U+200B ZERO WIDTH SPACE``; a code point without a name is described by its category."""
    unnamed = {"Cc": "(a control character)", "Co": "(a private-use character)"}.get(unicodedata.category(ch), "(unnamed)")
    return f"U+{ord(ch):04X} {unicodedata.name(ch, unnamed)}"


def _hidden(s: str) -> list[str]:
    """The first hidden code point of ``s`` (tab and newline are layout); in ASCII only control characters can hide."""
    found = (_ASCII_CONTROL.findall(s) if s.isascii()
             else [ch for ch in s if ch not in "\t\n" and unicodedata.category(ch) in HIDDEN_CATEGORIES])
    return [f"invisible or bidirectional control character {_code_point(found[0])} is not allowed in data text"] if found else []


def _script(ch: str) -> str:
    """The script a letter belongs to, as the first word of its Unicode name says (LATIN, CYRILLIC, GREEK ...)."""
    return unicodedata.name(ch, "").split(" ")[0]


def _passes_for_ascii(ch: str) -> bool:
    """A Cyrillic or Greek letter, or a fullwidth or font variant of a letter or digit (Unicode's <wide> and <font>
    compatibility forms; superscripts and ligatures read as what they are)."""
    return _script(ch) in LOOK_ALIKE_SCRIPTS or unicodedata.decomposition(ch).startswith(("<wide>", "<font>"))


def _look_alike(s: str) -> list[str]:
    """The first word in which a character that passes for ASCII stands among letters of another script, or digits."""
    if s.isascii():
        return []
    for word in _WORD.findall(s):
        odd = next((ch for ch in word if _passes_for_ascii(ch)), None)
        if odd is None:
            continue
        others = sorted({_script(ch) for ch in word if ch.isalpha()} - {_script(odd)})
        if others or any(ch.isdigit() for ch in word):
            return [f"look-alike character {_code_point(odd)} in {word!r}, mixed with {' and '.join(others) or 'digits'}: "
                    "write each word in one script"]
    return []


def _markup(s: str) -> list[str]:
    m = MARKUP.search(s) or (":" in s and SCRIPT_SCHEME.search(s))
    return [f"markup is not allowed in data text: {m.group(0)!r} (data is plain text)"] if m else []


def _address(field: str, s: str) -> list[str]:
    """An address field (schemas.URL_KEY) holds an https address (schemas.HTTPS_URL), checked again here in every file."""
    if _URL_KEY.search(field) and not schemas.HTTPS_URL.fullmatch(s):
        return [f"{field} must be an https:// address without spaces, quotes or angle brackets, not {s!r}"]
    return []


def _ascii_id(field: str, s: str) -> list[str]:
    if field in ID_FIELDS and not s.isascii():
        return [f"IDs are ASCII: {field} holds {_code_point(next(ch for ch in s if not ch.isascii()))}"]
    return []


def _prose(name: str, path: tuple, field: str, s: str, cited) -> list[str]:
    """Word counts (MIN_WORDS) and cited IDs of a prose string."""
    words = len(s.split())
    need = MIN_WORDS.get((name, "consideration" if path[0] == "considerations" and field == "description" else field))
    out = [f"{field} needs at least {need} words, has {words}"] if need and words < need else []
    if name in ("decisions", "meta", "templates", "depth") or words < 3:
        return out  # those files name ID ranges and placeholders; a string of one or two words is a bare ID, checked by its rule
    return out + cited(s)


def _citations(kb: KB):
    """A function listing the problems of the IDs a text cites: reserved ones, and unknown ones (a deprecated ID may be named)."""
    reserved = {t["id"] for t in kb.reserved_threats()}
    citable = {t for t in kb.threats if kb.status_of(t) != "reserved"} | set(kb.blindspots) | set(kb.mitigations)

    def cited(s: str) -> list[str]:
        return [f"text cites reserved ID {tok}" if tok in reserved else f"text cites unknown ID {tok}"
                for tok in ids.ID_SHAPED.findall(s) if tok in reserved or tok not in citable]
    return cited


@rule
def check_atlas(kb: KB, col: Collector) -> None:
    """Retired ATLAS IDs are gone from the list and name a successor that is in it; renamed IDs exist."""
    listed = set(kb.atlas_techniques) | set(kb.atlas_mitigations)
    retired = kb.atlas["retired"]
    for i, r in enumerate(retired):
        if r["id"] in listed:
            col.add("atlas", retired, i, r["id"], "a retired ID must not stay in the list")
        if r["replaced_by"] not in listed:
            col.add("atlas", retired[i], "replaced_by", r["id"], f"successor {r['replaced_by']} is not in the list")
    for i, r in enumerate(kb.atlas["renamed"]):
        if r["id"] not in listed:
            col.add("atlas", kb.atlas["renamed"], i, r["id"], "renamed ID is not in the list")


@rule
def check_crosswalk(kb: KB, col: Collector) -> None:
    """Every crosswalk field of a threat or blindspot is filled or says why not; every LLM entry is used or says why not."""
    tables = {f.name: getattr(kb, f.index) for f in (LLM_TOP10, ASI_TOP10, CWE)}
    entries = [("threats", t) for t in kb.active_threats()] + [("blindspots", b) for b in kb.blindspots.values() if kb.listed(b["id"])]
    for name, e in entries:
        reasons = e.get(crosswalk.NO_MAPPING, {})
        for field in _CROSSWALK:
            if not e[field] and not reasons.get(field):
                col.add(name, e, field, e["id"], f"{field} is empty: map it, or say why nothing fits in no_mapping.{field}")
            if e[field] and field in reasons:
                col.add(name, e[crosswalk.NO_MAPPING], field, e["id"], f"no_mapping.{field} explains an empty list, but {field} is filled")
        if name == "blindspots":
            for field, table in tables.items():
                _known(col, name, e[field], e["id"], table, f"unknown {field} value {{}}")
    used = {x for _, e in entries for ed in kb.llm_editions(e[LLM_TOP10.name]).values() for x in ed}
    items = next(ed for ed in crosswalk.data_at(kb, LLM_TOP10.edition_from) if ed["edition"] == "2025")["items"]
    for i, it in enumerate(items):
        cited = f"{it['id']}:2025"
        if cited not in used and not it.get("unmapped"):
            col.add("frameworks", items, i, cited, "no threat or blindspot maps to this entry: map one, or say why in 'unmapped'")
        if cited in used and it.get("unmapped"):
            col.add("frameworks", items[i], "unmapped", cited, "'unmapped' is set, but threats map to this entry")
    for m in kb.mitigations.values():
        _known(col, "mitigations", m.get(ATLAS_MITIGATIONS.name, []), m["id"], kb.atlas_mitigations, "ATLAS mitigation {} is not in data/atlas.yaml")


@rule
def check_lifecycle(kb: KB, col: Collector) -> None:
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


@rule
def check_coverage(kb: KB, col: Collector) -> None:
    """Every active threat and blindspot has a preventive, a detective and a corrective catalog control (active ones),
    so the Phase 7 rule for Critical and High risks can always be met with catalog controls a project implements."""
    def missing(mids) -> str:
        have = {kb.mitigation_type(m) for m in mids if m in kb.mitigations and kb.listed(m)}
        lack = [kb.types[k]["key"] for k in COVERAGE_TYPES if k not in have]
        return ", ".join(lack[:-1]) + " or " + lack[-1] if len(lack) > 1 else "".join(lack)

    for t in kb.docs["threats"]["threats"]:
        lack = missing(kb.threat_mitigations.get(t["id"], [])) if t["kind"] != "reserved" and kb.listed(t["id"]) else ""
        if lack:
            col.add("threats", t, "id", t["id"], f"no {lack} control in the catalog: add {t['id']} to the addresses "
                    "of such a control in mitigations.yaml, with its reason in why")
    for b in kb.docs["blindspots"]["blindspots"]:
        lack = missing(b["suggested_mitigations"]) if kb.listed(b["id"]) else ""
        if lack:
            col.add("blindspots", b, "suggested_mitigations", b["id"], f"no {lack} control among the suggested "
                    "mitigations: suggest one, with its reason in why")


# The order load_kb runs them in: per data file, then the rules that span files.


@rule
def check_decisions(kb: KB, col: Collector) -> None:
    """Decisions D01.. and rulings R01.. without gaps."""
    node = kb.docs["decisions"]
    if not _runs_from_1([int(d[1:]) for d in kb.decisions]):
        col.add("decisions", node["decisions"], None, "", "decisions must run D01.. without gaps")
    if not _runs_from_1([int(r[1:]) for r in kb.rulings]):
        col.add("decisions", node["rulings"], None, "", "rulings must run R01.. without gaps")
    for r in node["rulings"]:
        for i, ext in enumerate(r.get("extends", [])):
            entry = (kb.mitigations if ext["field"] == "addresses" else kb.blindspots).get(ext["id"])
            if entry is None:
                col.add("decisions", r["extends"], i, r["id"], f"extends unknown {ext['field']} owner {ext['id']}")
            elif not set(ext["adds"]) <= set(entry[ext["field"]]):
                col.add("decisions", r["extends"], i, r["id"], f"{ext['id']} {ext['field']} lack {sorted(set(ext['adds']) - set(entry[ext['field']]))}, which the ruling says it adds")


@rule
def check_sweep(kb: KB, col: Collector) -> None:
    """The sweep rule pack: weaknesses numbered SW-001.. without gaps, each rule carrying its weakness's number; every
    threat an active one, every control an active preventive one, every CWE named in frameworks.yaml."""
    weaknesses = kb.docs["sweep"]["weaknesses"]
    if [w["id"] for w in weaknesses] != [f"SW-{n:03d}" for n in range(1, len(weaknesses) + 1)]:
        col.add("sweep", weaknesses, None, "", "weaknesses must run SW-001.. in order without gaps")
    seen: set = set()
    for w in weaknesses:
        wid = w["id"]
        for i, t in enumerate(w["threats"]):
            _ref(kb, col, "sweep", w["threats"], i, wid, t, _active(kb), "threat")
        if w["control"] not in kb.mitigations or not kb.listed(w["control"]):
            col.add("sweep", w, "control", wid, f"unknown or retired mitigation {w['control']}")
        elif kb.mitigation_type(w["control"]) != "P":
            col.add("sweep", w, "control", wid, f"{w['control']} is not a preventive control: name the control that would prevent the weakness")
        for r in w["rules"]:
            if r["id"] in seen:
                col.add("sweep", r, "id", r["id"], f"duplicate rule ID {r['id']}")
            seen.add(r["id"])
            if r["id"].rsplit("-", 1)[1] != wid.rsplit("-", 1)[1]:
                col.add("sweep", r, "id", r["id"], f"a rule of {wid} must end in {wid.rsplit('-', 1)[1]}")
            _known(col, "sweep", r[CWE.name], r["id"], kb.cwe, "unknown CWE ID (add it to frameworks.yaml) {}")
