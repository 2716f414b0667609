"""MC85x: names resolve. A component, zone, boundary, asset or actor named in a later phase is one that its own
phase defines, and a local threat agrees with the taxonomy threats it maps to (layers, STRIDE, CWE, ATLAS)."""
from __future__ import annotations

import difflib
import re

from .. import textscan
from ..crosswalk import ATLAS, CWE, STRIDE
from .method import PHASE_OF, phase_severity
from .registry import Hit, rule

# What a later phase may name: kind -> (the list that defines it, the fields a reference may match).
DEFINED = {
    "component": ("components", ("name",)),
    "actor": ("threat_actors", ("id", "name")),
    "zone": ("trust_zones", ("name",)),
    "boundary": ("trust_boundaries", ("id", "name")),
    "asset": ("assets", ("id", "name")),
}
# Where it is named: (list, field, kinds the value may name). A field that is normally a list is judged only
# when it is one; written as a sentence, it is prose.
REFERENCES = (
    ("threats", "affected_components", ("component",)),
    ("trust_zones", "components", ("component",)),
    ("trust_boundaries", "crossing_components", ("component",)),
    ("trust_boundaries", "from", ("zone", "component")),
    ("trust_boundaries", "to", ("zone", "component")),
    ("trust_boundaries", "source_zone", ("zone",)),
    ("trust_boundaries", "destination_zone", ("zone",)),
    ("assets", "processed_by", ("component",)),
    ("assets", "trust_zones", ("zone",)),
    ("assets", "trust_zones_traversed", ("zone",)),
    ("assets", "zones", ("zone",)),
    ("assets", "transmitted_via", ("boundary",)),
    ("data_flows", "from", ("component", "zone", "actor")),
    ("data_flows", "to", ("component", "zone", "actor")),
    ("data_flows", "asset", ("asset",)),
    ("data_flows", "assets", ("asset",)),
    ("data_flows", "crosses", ("boundary",)),
    ("data_flows", "boundaries", ("boundary",)),
)
_SCALAR_FIELDS = {"from", "to", "source_zone", "destination_zone", "asset"}


def defined_names(ctx, kind: str) -> dict[str, str]:
    """Folded name -> name as written, for every record of one kind."""
    key, fields = DEFINED[kind]
    return {textscan.fold(r[f]): r[f] for r in ctx.all_records(key) for f in fields if isinstance(r.get(f), str) and r[f].strip()}


def _named(record, field):
    """(node, key, value) of each name one field of a record gives."""
    value = record.get(field)
    if field in _SCALAR_FIELDS and isinstance(value, str):
        yield record, field, value
    elif field not in _SCALAR_FIELDS and isinstance(value, list):
        yield from ((value, j, v) for j, v in enumerate(value) if isinstance(v, str))


def _unresolved(ctx, tables):
    """(node, key, value, record, list key, field, kinds) of every name that no record of the kinds it may name matches."""
    for key, field, kinds in REFERENCES:
        usable = tuple(k for k in kinds if tables[k] and ctx.phase_status(PHASE_OF[DEFINED[k][0]]) != "skipped")
        if not usable:
            continue  # nothing of that kind is recorded (a lightweight model, a phase not reached): nothing to resolve against
        for r in ctx.all_records(key):
            for node, k, value in _named(r, field):
                if value.strip() and not any(textscan.fold(value) in tables[kind] for kind in kinds):
                    yield node, k, value, r, key, field, usable


SUGGEST_AMONG = 500   # names compared for a "did you mean"; a hostile file with thousands gets no suggestion, not a slow check


def _nearest(value: str, names: dict) -> str:
    if len(names) > SUGGEST_AMONG or len(value) > 200:
        return ""
    near = difflib.get_close_matches(textscan.fold(value), list(names), n=1, cutoff=0.75)
    return f"; did you mean {names[near[0]]!r}?" if near else ""


@rule("MC851", "name-unresolved",
      summary="A component, trust zone, boundary, asset or actor named in a later phase is not defined in the phase that records it.",
      hint="Use the name exactly as Phase 2 (components), 3 (actors), 4 (zones, boundaries) or 5 (assets) records it, "
           "or add the missing record there.")
def name_unresolved(ctx):
    tables = {kind: defined_names(ctx, kind) for kind in DEFINED}
    for node, k, value, r, key, field, kinds in _unresolved(ctx, tables):
        phases = sorted({PHASE_OF[DEFINED[kind][0]] for kind in kinds})
        open_phase = any(phase_severity(ctx, n) for n in [PHASE_OF[key], *phases])   # either side may still change
        names = {f: n for kind in kinds for f, n in tables[kind].items()}
        yield Hit(*ctx.at(node, k), str(r.get("id") or r.get("name") or key),
                  f"{field} names {value!r}, which no {' or '.join(kinds)} of Phase {' or '.join(map(str, phases))} defines"
                  + _nearest(value, names), severity="pending" if open_phase else None)


# ================================================================== a local threat and the taxonomy threats it maps to
def mapped_entries(ctx, t) -> tuple[list, list]:
    """(taxonomy threat IDs, blindspot IDs) that a local threat maps to and the knowledge base knows."""
    refs = [r.get("id") if isinstance(r, dict) else r for r in t.get("maps_to") or []]
    spots = [r.get("id") if isinstance(r, dict) else r for r in t.get("blindspots") or []]
    return [x for x in refs if x in ctx.kb.threats], [b for b in spots if b in ctx.kb.blindspots]


@rule("MC852", "layers-disjoint", phase=6, severity="warning",
      summary="A local threat shares no layer with the taxonomy threats and blindspots it maps to.",
      hint="Add the layer where the mapped threats sit (data/mapping.yaml) if the threat reaches it, or map the threat to entries of its own layers.")
def layers_disjoint(ctx):
    for t in ctx.records("threats"):
        threats, spots = mapped_entries(ctx, t)
        theirs = {layer for x in threats for layer in ctx.kb.threat_layers.get(x, {})}
        theirs |= {layer for b in spots for layer in ctx.kb.blindspots[b].get("layers", [])}
        if theirs and not set(t["layers"]) & theirs:
            yield Hit(*ctx.at(t, "layers"), t["id"], f"layers {', '.join(t['layers'])} share none with what it maps to "
                      f"({', '.join(threats + spots)}: {', '.join(sorted(theirs))})")


def _carried(ctx, field: str, value: str, allowed: set) -> bool:
    """Whether a mapped entry carries ``value``: itself, or for ATLAS its parent or a sub-technique of it, or the successor of a retired ID."""
    if value in allowed:
        return True
    if field == ATLAS.name:
        retired = ctx.kb.atlas_retired.get(value)
        parent_or_child = (value.count(".") == 2 and value.rsplit(".", 1)[0] in allowed) or any(a.startswith(value + ".") for a in allowed)
        return parent_or_child or bool(retired and retired["replaced_by"] in allowed)
    return False


def _allowed(ctx, t) -> dict:
    """field -> values the mapped entries carry, for each field at least one of them records (STRIDE as letters)."""
    threats, spots = mapped_entries(ctx, t)
    letter = {s["name"]: s["letter"] for s in ctx.kb.frameworks[STRIDE.listed_in[1]]}
    entries = [ctx.kb.threats[x] for x in threats] + [ctx.kb.blindspots[b] for b in spots]
    out = {f: {v for e in entries for v in e.get(f) or []} for f in (CWE.name, ATLAS.name) if any(f in e for e in entries)}
    if any(STRIDE.name in e for e in entries):
        out[STRIDE.name] = {letter.get(v, v) for e in entries for v in e.get(STRIDE.name) or []}
    return out


def named_in(label: str, text: str) -> bool:
    """Whether ``text`` names ``label`` as a whole (CWE-7 is not named by CWE-79; AML.T0051 is by AML.T0051.001)."""
    return re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-]|\.[a-z])", text, re.I) is not None


@rule("MC853", "crosswalk-unexplained", phase=6, severity="warning",
      summary="A local threat lists a STRIDE letter, CWE or ATLAS ID that none of the entries it maps to carries, and its gap note does not say why.",
      hint="Take STRIDE, CWE and ATLAS values from the mapped entries in data/threats.yaml and data/blindspots.yaml; to keep another, "
           "name it in the threat's 'gap' note with the reason (ruling R19).")
def crosswalk_unexplained(ctx):
    name = {s["letter"]: s["name"] for s in ctx.kb.frameworks[STRIDE.listed_in[1]]}
    for t in ctx.records("threats"):
        allowed, gap = _allowed(ctx, t), str(t.get("gap") or "")
        for field in sorted(allowed):
            for j, v in enumerate(t.get(field) or []):
                label = name.get(v, v) if field == STRIDE.name else v
                if not _carried(ctx, field, v, allowed[field]) and not named_in(label, gap):
                    yield Hit(*ctx.at(t[field], j), t["id"], f"{field} {label} is carried by none of the entries it maps to, "
                              "and the gap note does not name it")
