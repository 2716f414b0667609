"""MC3xx: threats are scored by the matrix and carry the controls the Phase 7 rule requires."""
from __future__ import annotations

import re

from .. import ids, scoring
from ..crosswalk import MAPPINGS, RECORD_FIELDS
from .registry import Hit, rule


@rule("MC301", "risk-mismatch", phase=6, summary="A threat's risk is not what the matrix gives for its severity and likelihood.",
      hint="Use `maestro score --severity S --likelihood L`; never multiply labels.")
def risk_mismatch(ctx):
    for t in ctx.records("threats"):
        if "risk" in t and "likelihood" in t:
            want = scoring.risk_level(ctx.kb, t["severity"], t["likelihood"])
            if t["risk"] != want:
                yield Hit(*ctx.at(t, "risk"), t["id"], f"risk {t['risk']} does not match the matrix: {t['severity']} x {t['likelihood']} = {want}")


@rule("MC309", "threat-unscored", phase=6, summary="A threat has no likelihood, so its risk is not scored.",
      hint="Rate the likelihood (data/scoring.yaml lists the levels) and record the risk the matrix gives; "
           "until then its severity stands in for risk (ruling R08).")
def threat_unscored(ctx):
    finished = ctx.phase_status(6) in (None, "complete")
    for t in ctx.records("threats"):
        if "likelihood" not in t:
            yield Hit(*ctx.at(t), t["id"], "no likelihood: the risk is not scored" + ("" if finished else " yet (Phase 6 is open)"),
                      severity=None if finished else "pending")


@rule("MC302", "threat-unmapped", phase=6, summary="A threat maps to no taxonomy ID or blindspot and records no gap.",
      hint="Add maps_to (and blindspots), or a 'gap' note saying what the taxonomy lacks.")
def threat_unmapped(ctx):
    for t in ctx.records("threats"):
        if not t["maps_to"] and not t.get("blindspots") and not t.get("gap"):
            yield Hit(*ctx.at(t, "maps_to"), t["id"], "map the threat to taxonomy IDs, or record the taxonomy gap in 'gap'")


@rule("MC303", "crosswalk-missing", phase=6, severity="warning",
      summary="A threat lacks LLM Top 10, Agentic Top 10, CWE or ATLAS values that the taxonomy threats it maps to carry.",
      hint=f"Copy {', '.join(f.name for f in MAPPINGS[:-1])} and {MAPPINGS[-1].name} from the mapped threats' entries in data/threats.yaml, keeping those that fit; "
           "write an empty list where you considered the field and none fits.")
def crosswalk_missing(ctx):
    kb = ctx.kb
    fields = [f.name for f in MAPPINGS if f in RECORD_FIELDS]  # a record field named as in data/threats.yaml
    for t in ctx.records("threats"):
        mapped = [kb.threats[r.get("id") if isinstance(r, dict) else r] for r in t["maps_to"]
                  if (r.get("id") if isinstance(r, dict) else r) in kb.threats]
        # an absent field was never considered; an empty list says "considered, none fits"
        missing = [f for f in fields if f not in t and any(m.get(f) for m in mapped)]
        if missing:
            yield Hit(*ctx.at(t, "maps_to"), t["id"], f"no {', '.join(missing)} although the mapped taxonomy threats carry them")


def _linked(ctx, tid):
    t = ctx.threats[tid]
    mids = [m for m in dict.fromkeys(t["mitigations"]) if m in ctx.mitigations]
    mids += [mid for mid, m in ctx.mitigations.items() if tid in m["addresses"] and mid not in mids]
    return mids


@rule("MC304", "control-type-missing", phase=7, summary="A High or Critical threat lacks a preventive, detective or corrective control.",
      hint="Add a control of each missing type from data/mitigations.yaml (the letter in the ID is the type).")
def control_type_missing(ctx):
    for tid, t in ctx.threats.items():
        level = scoring.threat_level(ctx.kb, t)
        have = {ctx.mitigations[m]["type"] for m in _linked(ctx, tid)}
        missing = [x for x in scoring.required_types(ctx.kb, level) if x not in have]
        if missing:
            yield Hit(*ctx.at(t, "mitigations"), tid, f"{level} risk needs {', '.join(missing)} control(s) (Phase 7 rule); has {', '.join(sorted(have)) or 'none'}")


@rule("MC305", "single-control", phase=7, severity="warning", summary="A threat relies on one control: a single point of failure.",
      hint="Add a second, independent control.")
def single_control(ctx):
    for tid, t in ctx.threats.items():
        if len(_linked(ctx, tid)) == 1:
            yield Hit(*ctx.at(t, "mitigations"), tid, "only one mitigation: a single point of failure")


@rule("MC306", "deterrent-only", phase=7, severity="warning", summary="A threat is covered only by deterrent controls.",
      hint="Deterrents never suffice alone; add a preventive or detective control.")
def deterrent_only(ctx):
    for tid, t in ctx.threats.items():
        have = {ctx.mitigations[m]["type"] for m in _linked(ctx, tid)}
        if have and have <= {"deterrent"}:
            yield Hit(*ctx.at(t, "mitigations"), tid, "only deterrent controls, which never suffice alone")


@rule("MC307", "control-type-contradicts-catalog", phase=7,
      summary="A control's type disagrees with the catalog: a catalog ID's own type, or the types of the catalog controls a local control implements.",
      hint="The letter of a catalog ID is its type (P preventive, D detective, C corrective, R deterrent); relabelling does not satisfy the Phase 7 rule.")
def control_type_contradicts_catalog(ctx):
    kb = ctx.kb
    for mid, m in ctx.mitigations.items():
        if mid in kb.mitigations:
            want = kb.types[kb.mitigation_type(mid)]["key"]
            if m["type"] != want:
                yield Hit(*ctx.at(m, "type"), mid, f"type {m['type']} contradicts the catalog: {mid} is {want}")
            continue
        implemented = {kb.types[kb.mitigation_type(c)]["key"] for c in m.get("implements", []) if c in kb.mitigations}
        if implemented and m["type"] not in implemented:
            yield Hit(*ctx.at(m, "type"), mid, f"type {m['type']} contradicts what it implements: {', '.join(m.get('implements', []))} "
                                               f"{'is' if len(implemented) == 1 else 'are'} {', '.join(sorted(implemented))}")


@rule("MC308", "link-asymmetry", phase=7, summary="A threat and a mitigation disagree about whether they are linked, or a listed mitigation has no card.",
      hint="List the mitigation under the threat's 'mitigations' and the threat under the mitigation's 'addresses', both ways.")
def link_asymmetry(ctx):
    kb = ctx.kb
    for tid, t in ctx.threats.items():
        for j, mid in enumerate(t["mitigations"]):
            if mid not in ctx.mitigations:
                if mid in ctx.ids_of("mitigations"):
                    continue  # the card failed the schema; MC108 reports it
                if re.fullmatch(ids.MITIGATION, mid) and mid not in kb.mitigations:
                    yield Hit(*ctx.at(t["mitigations"], j), tid, f"{mid} is not in the mitigation catalog")
                elif mid not in ctx.defined_local_ids or mid in kb.mitigations:
                    yield Hit(*ctx.at(t["mitigations"], j), tid, f"mitigation {mid} has no mitigation card")
            elif tid not in ctx.mitigations[mid]["addresses"]:
                yield Hit(*ctx.at(t["mitigations"], j), tid, f"mitigation {mid} does not list {tid} in 'addresses'")
        for mid, m in ctx.mitigations.items():
            if tid in m["addresses"] and mid not in t["mitigations"]:
                yield Hit(*ctx.at(t, "mitigations"), tid, f"mitigation {mid} addresses {tid} but the threat does not list it")
