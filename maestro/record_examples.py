"""`maestro example N`: an example record block for each phase, built from the knowledge base and the schemas.

Every ID, canonical name, layer, allowed value and computed number (risk level, effective risk, bucket, review
frequency) comes from the knowledge base and the scoring code; the field names of Phases 1-5 come from the
templates, those of Phases 6-10 from the threat-model schema. Only the short story the example tells (a support
agent that issues refunds) is written here, in STORY. The ten blocks form one small engagement that passes
`maestro check` when written into a project in phase order, which tests/test_cli.py keeps true.
"""
from __future__ import annotations

import datetime as _dt
import re

from . import assessment, engagement, phasefile, scoring
from .crosswalk import MAPPING_NAMES, STRIDE
from .kb import KB

STORY = {
    "application_name": "Support refund agent", "business_domain": "Customer support for an online shop",
    "regulatory_requirements": ["GDPR"], "scope": "The support agent, its refund tool and the mailbox it reads; the payment provider is out of scope.",
    "consent_by": "Dana Reyes (Head of Support)",
    "assumption": {"description": "Refunds above 200 EUR are held for a person to approve.",
                   "rationale": "The refund API has a configured cap.", "impact_if_wrong": "One email could move any amount.",
                   "validation_method": "Read the refund API's limit setting in Phase 8."},
    "components": [("support agent", "The agent loop that reads tickets and calls tools."),
                   ("refund tool", "Calls the payment provider's refund API with the shop's key.")],
    "actor": {"name": "Anyone who can email the support inbox", "target_assets": ["refund tool"], "capability": "Moderate",
              "likely_attack_vectors": "Instructions hidden in an email body"},
    "zones": [("Public internet", "Untrusted"), ("Support application", "Medium")],
    "boundary": {"name": "Inbound email into the agent", "crossing_components": ["support agent"], "associated_threats": []},
    "asset": {"asset_name": "Refund authority", "created_at": "Granted to the refund tool at deployment",
              "stored_at": "The payment provider's API key in the secret store", "transmitted_via": ["TB1"],
              "processed_by": ["refund tool"], "destroyed": "Rotated every 90 days",
              "exposure_points": "The refund tool's arguments", "protection_controls": "Per-call amount cap"},
    "threat": {"name": "Refund instruction smuggled in through a support email",
               "description": "An email body tells the agent to refund an unrelated order, and the refund tool accepts any order ID."},
    "local_control": {"name": "Refund anomaly alert", "description": "Alerts the support lead when one ticket leads to more than one refund."},
    "evidence": "Report of the last recovery exercise (ticket OPS-112), attached to the runbook",
    "chain": ["The agent reads the instruction in an email body and calls the refund tool on it.",
              "No other part of the system checks that the refund belongs to the ticket."],
    "cv": [{"file": "services/refunds/alerts.py", "line": 42, "snippet": "def alert_on_repeat_refunds(",
            "evidence": "alert_on_repeat_refunds() pages the support lead on a second refund per ticket",
            "gaps": "Refunds issued outside the agent are not watched"},
           {"file": "agent/tools.yaml", "line": 12, "snippet": "allowed_tools:",
            "evidence": "The agent may call only lookup_order and create_refund",
            "gaps": "create_refund accepts any order ID; the card claimed Implemented"}],
    "owner": "Dana Reyes (Head of Support)", "team": "Payments platform team",
}


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"\(s\)", "", name.lower())).strip("_")


def template_record(kb: KB, key: str, story: dict, first_id: str | None = None) -> dict:
    """One record of a Phase 1-5 template: the template's fields as keys; an allowed value, the story's text or the hint."""
    template = next(t for t in kb.templates.values() if t["key"] == key)
    out = {"id": first_id} if first_id else {}
    for f in template["fields"][1 if first_id else 0:]:
        k = _snake(f["name"])
        allowed = f.get("values") or f.get("examples")
        out[k] = story.get(k, allowed[0] if allowed else f.get("hint") or f["name"])
    return out


ANCHORS = ("T2", "T6")  # the taxonomy threats the story fits (a tool misused on injected instructions), in order


def anchor(kb: KB) -> tuple[list[str], dict]:
    """The taxonomy threats the example maps to and one catalog control of each of the preventive, detective and
    corrective types addressing the first of them: the first of ANCHORS (else of all active threats) that has them."""
    keys = {t["letter"]: t["key"] for t in kb.docs["mitigations"]["types"]}
    active = [t["id"] for t in kb.active_threats()]
    for tid in [a for a in ANCHORS if a in active] + active:
        found = {}
        for mid, m in kb.mitigations.items():
            if tid in m.get("addresses", []) and kb.status_of(mid) == "active":
                found.setdefault(keys[kb.mitigation_type(mid)], mid)
        if all(t in found for t in ("preventive", "detective", "corrective")):
            return [tid] + [a for a in ANCHORS if a in active and a != tid][:1], found
    raise ValueError("no threat has preventive, detective and corrective controls in the catalog")


def context_records(kb: KB, prefix: str) -> dict:
    """Phases 1-5: business context with consent, an assumption, components, an actor, zones, a boundary, an asset."""
    comps = [c for c, _ in STORY["components"]]
    tids, controls = anchor(kb)
    bc = template_record(kb, "business-context", {**STORY, "data_classification": "Confidential", "criticality": "High",
                                                   "user_base": "External", "autonomy_level": "Human-in-loop"})
    bc["consent"] = {"given_by": STORY["consent_by"], "date": _dt.date.today().isoformat()}
    zones = [{"name": n, "trust": t, "components": comps if i else []} for i, (n, t) in enumerate(STORY["zones"])]
    boundary = template_record(kb, "trust-boundary", {**STORY["boundary"], "source_zone": zones[0]["name"],
                                                      "destination_zone": zones[1]["name"]}, "TB1")
    return {
        "business_context": bc, "assumptions": [template_record(kb, "assumption", {**STORY["assumption"], "status": "Unvalidated"}, "A1")],
        "scope": STORY["scope"],
        "components": [{"name": c, "layers": [kb.primary_layer(tids[0])], "notes": n} for c, n in STORY["components"]],
        "system_type": "single-agent", "uses_mcp": False,
        "threat_actors": [template_record(kb, "threat-actor", {**STORY["actor"], "target_maestro_layers": _layers(kb, tids, controls),
                                                               "relevance": "Relevant", "priority": "High"}, "TA1")],
        "trust_zones": zones, "trust_boundaries": [boundary],
        "assets": [template_record(kb, "asset-flow", {**STORY["asset"], "classification": "Confidential",
                                                      "trust_zones_traversed": [z["name"] for z in zones]}, "AF1")],
        "data_flows": [{"id": "DF1", "name": "Email to refund", "from": comps[0], "to": comps[1], "assets": ["AF1"]}],
    }


def _layers(kb: KB, tids: list[str], controls: dict) -> list[str]:
    """The layers of the example threat: those of its three controls and those where the mapping marks what it maps to primary."""
    mine = {kb.mitigation_layer(controls[k]) for k in ("preventive", "detective", "corrective")}
    mine |= {layer for t in tids for layer, mark in kb.threat_layers.get(t, {}).items() if mark == "primary"}
    return [layer for layer in kb.layers if layer in mine]


def _crosswalk(kb: KB, tids: list[str], field: str) -> list[str]:
    """The framework IDs (LLM Top 10, Agentic Top 10, CWE, ATLAS) of the mapped threats, each once."""
    return list(dict.fromkeys(x for t in tids for x in kb.threats[t][field]))


def threat_records(kb: KB, prefix: str) -> dict:
    """Phase 6: one threat mapped to taxonomy threats with their canonical names and crosswalk, scored by the matrix."""
    tids, controls = anchor(kb)
    letters = {s["name"]: s["letter"] for s in kb.frameworks[STRIDE.listed_in[1]]}
    threat = {"id": f"{prefix}-T1", "name": STORY["threat"]["name"], "layers": _layers(kb, tids, controls),
              "maps_to": [{"id": t, "name": kb.threats[t]["name"]} for t in tids],
              "blindspots": [{"id": b, "name": kb.blindspots[b]["name"]} for b in kb.threat_blindspots.get(tids[0], [])[:1]],
              STRIDE.name: sorted({letters[s] for t in tids for s in kb.threats[t][STRIDE.name]}, key="STRIDE".index),
              "attack_vector": kb.scoring["attack_vector"][0]["value"], "attack_complexity": kb.scoring["attack_complexity"][0]["value"],
              "severity": "High", "likelihood": "Likely"}
    threat["risk"] = scoring.threat_level(kb, threat)
    threat.update({"agentic_factors": [kb.factors[1]["name"]], "affected_components": [c for c, _ in STORY["components"]],
                   "description": STORY["threat"]["description"], "mitigations": [m["id"] for m in _cards(kb, prefix)],
                   **{f: _crosswalk(kb, tids, f) for f in MAPPING_NAMES}})
    steps = [{"layer": layer, "text": STORY["chain"][min(i, len(STORY["chain"]) - 1)]} for i, layer in enumerate(threat["layers"])]
    return {"threats": [threat], "attack_chains": [{"name": STORY["threat"]["name"], "threats": [threat["id"]], "steps": steps}]}


def _cards(kb: KB, prefix: str) -> list[dict]:
    """Phase 7: a catalog preventive control covering part of the threat, a project control that implements the
    catalog's detective one, and a catalog corrective control whose status rests on cited evidence."""
    controls = anchor(kb)[1]
    threat, common = f"{prefix}-T1", {"cost": "Low", "effectiveness": "Medium", "owner": STORY["owner"]}
    p, d, c = (controls[k] for k in ("preventive", "detective", "corrective"))
    return [
        {"id": p, "name": kb.mitigations[p]["name"], "type": "preventive", "addresses": [threat], "status": "Partially Implemented",
         "coverage": "partial", **common},
        {"id": f"{prefix}-M1", "name": STORY["local_control"]["name"], "type": "detective", "implements": [d],
         "description": STORY["local_control"]["description"], "addresses": [threat], "status": "Implemented", **common},
        {"id": c, "name": kb.mitigations[c]["name"], "type": "corrective", "addresses": [threat], "status": "Implemented",
         "evidence": STORY["evidence"], **common},
    ]


def validation_records(kb: KB, prefix: str) -> dict:
    """Phase 8: the project control verified in code, and the catalog preventive control found partly built; each with
    the fields the schema gives a citation."""
    allowed = engagement.threat_model_schema(kb)["properties"]["code_validation"]["items"]["properties"]
    p = anchor(kb)[1]["preventive"]
    cvs = [{"id": "CV1", "mitigation": f"{prefix}-M1", "artifact": STORY["local_control"]["name"], **STORY["cv"][0],
            "verified_status": "Implemented", "tests": "Covered", "priority": "Medium"},
           {"id": "CV2", "mitigation": p, "artifact": kb.mitigations[p]["name"], **STORY["cv"][1],
            "verified_status": "Partially Implemented", "tests": "Partial", "priority": "High"}]
    return {"code_validation": [{k: v for k, v in cv.items() if k in allowed} for cv in cvs]}


def _posture(kb: KB, prefix: str):
    doc = {**threat_records(kb, prefix), "mitigations": _cards(kb, prefix), **validation_records(kb, prefix)}
    return assessment.assess(kb, doc)[f"{prefix}-T1"]


def residual_records(kb: KB, prefix: str) -> dict:
    """Phase 9: the residual risk of the threat as the controls leave it (effective risk from the scoring code)."""
    p = _posture(kb, prefix)
    return {"residual_risks": [{"id": "RR1", "threat": f"{prefix}-T1", "inherent": p.level, "effective_risk": p.effective,
                                "residual": p.effective_level, "disposition": "Accepted", "owner": STORY["owner"],
                                "review": kb.scoring["review_schedule"][p.effective_level], "triggers": ["A new tool that moves money"],
                                "justification": "The guardrail covers only part of the threat; the alert and the reversal limit the loss."}]}


def roadmap_records(kb: KB, prefix: str) -> dict:
    """Phase 10: a roadmap item in the bucket the scoring gives, and the summary's top risks."""
    p = _posture(kb, prefix)
    controls = anchor(kb)[1]
    return {"roadmap": [{"id": "REM1", "title": f"Finish {kb.mitigations[controls['preventive']]['name']}", "threats": [f"{prefix}-T1"],
                         "mitigations": [controls["preventive"]], "phase": p.bucket, "effort": "Medium", "team": STORY["team"],
                         "dependencies": [], "status": "Not Started"}],
            "summary": {"top_risks": [f"{prefix}-T1"], "posture": p.effective_level}}


def records(kb: KB, n: int, prefix: str = "PAY") -> dict:
    """The example records of phase ``n`` (1..10), keyed as its record block holds them."""
    if n not in phasefile.PHASE_KEYS:
        raise ValueError(f"unknown phase {n!r}; use 1..10")
    every = {**context_records(kb, prefix), **threat_records(kb, prefix), "mitigations": _cards(kb, prefix),
             **validation_records(kb, prefix), **residual_records(kb, prefix), **roadmap_records(kb, prefix)}
    return {k: every[k] for k in phasefile.PHASE_KEYS[n] if k in every}


def block(kb: KB, n: int, prefix: str = "PAY") -> str:
    """The record block of phase ``n`` as it goes into its phase file, fences included."""
    return "\n".join([phasefile.OPENER, *phasefile.dump(records(kb, n, prefix)), "```"])
