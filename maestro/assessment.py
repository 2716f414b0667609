"""What a threat model's controls are worth: verified status, control credit, effective risk.

One home for the Phase 8 and Phase 9 arithmetic, so `maestro check`, `maestro score PATH` and
the worked-example pages compute the same numbers (rulings R01 and R02 in data/decisions.yaml).
Works on plain threat-model documents (dicts), whatever file they came from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import scoring
from .kb import KB

# Evidence that names nothing a reviewer could open: earns no credit (ruling R01 asks for an attestation, audit or test report).
_NO_EVIDENCE = re.compile(r"(?:n/?a|none|nil|null|-+|\.+|\?+|tbd|tba|todo|yes|no|ok|done|true|verified|implemented|"
                          r"see (?:above|below|docs?|code|repo(?:sitory)?)|same as above|as above|trust me)", re.I)


@dataclass(frozen=True)
class Control:
    id: str
    type: str
    claimed: str        # the status on the mitigation card
    status: str         # the status scoring uses: claimed, capped by what Phase 8 verified
    coverage: str
    basis: str          # "code validation CV3", "evidence", "unverified", or "unfit" (earns nothing on this threat)
    unfit: str = ""     # why the control earns no credit on this threat (catalog does not link it, or wrong layer)


@dataclass(frozen=True)
class Posture:
    threat: str
    level: str
    controls: tuple
    credit: float
    effective: float
    effective_level: str
    bucket: str

    @property
    def fully_mitigated(self) -> bool:
        """A fully built, verified control that covers the whole threat addresses it."""
        return any(c.status == "Implemented" and c.coverage == "full" for c in self.controls)


def _value(kb: KB, status: str) -> float:
    return scoring.status(kb, status)["value"]


def scoring_status(kb: KB, mitigation: dict, validations: list) -> tuple[str, str]:
    """(status used for scoring, its basis) for one mitigation card (ruling R01).

    A control checked in Phase 8 counts at most at the lowest status its code-validation
    records found; a control Phase 8 did not check counts as claimed only when the card cites
    evidence (an attestation, an audit, a test report); otherwise it counts as Not Implemented.
    """
    claimed = mitigation.get("status", "Not Implemented")
    found = [cv for cv in validations if isinstance(cv, dict) and cv.get("mitigation") == mitigation.get("id")
             and cv.get("verified_status")]
    if found:
        worst = min(found, key=lambda cv: _value(kb, cv["verified_status"]))
        verified = worst["verified_status"]
        status = claimed if _value(kb, claimed) <= _value(kb, verified) else verified
        return status, f"code validation {worst.get('id', '?')}"
    if substantive_evidence(mitigation.get("evidence")):
        return claimed, "evidence"
    return "Not Implemented", "unverified"


def substantive_evidence(text) -> bool:
    """Whether ``text`` names something a reviewer could open: at least three words, and not a placeholder."""
    flat = " ".join(str(text or "").split())
    return len(re.findall(r"[^\W_][\w./:#-]*", flat)) >= 3 and not _NO_EVIDENCE.fullmatch(flat.strip(" .;:!"))


def catalog_ids(kb: KB, mitigation: dict) -> list[str]:
    """The catalog controls a mitigation card stands for: its own ID if it is one, else those it implements."""
    mid = mitigation.get("id")
    if mid in kb.mitigations:
        return [mid]
    return [c for c in mitigation.get("implements", []) or [] if c in kb.mitigations]


def _taxonomy_ids(refs) -> set[str]:
    return {r.get("id") if isinstance(r, dict) else r for r in refs or []}


def unfit(kb: KB, threat: dict, mitigation: dict, scope=()) -> str:
    """Why ``mitigation`` earns no credit on ``threat``, or "" when it may: the catalog must link one of its catalog
    controls to a taxonomy threat or blindspot the threat maps to, at a layer of the threat, of the layer scope, or
    cross-layer (ruling R24)."""
    cats = catalog_ids(kb, mitigation)
    if not cats:
        return "it names no catalog control it implements"
    mapped = {t for t in _taxonomy_ids(threat.get("maps_to")) if t in kb.threats}
    blind = {b for b in _taxonomy_ids(threat.get("blindspots")) if b in kb.blindspots}
    if mapped or blind:
        fits = [c for c in cats if _linked_in_catalog(kb, c, mapped, blind)]
        if not fits:
            return (f"the catalog does not link {', '.join(cats)} to {', '.join(sorted(mapped | blind))} "
                    "(its 'addresses' and the blindspots' suggested mitigations)")
        cats = fits
    layers = set(threat.get("layers") or []) | set(scope or ()) | {"CL"}
    if not any(kb.mitigation_layer(c) in layers for c in cats):
        where = ", ".join(sorted({kb.mitigation_layer(c) for c in cats}))
        return f"{', '.join(cats)} act at {where}, outside the threat's layers and the layer scope"
    return ""


def _linked_in_catalog(kb: KB, control: str, mapped: set, blind: set) -> bool:
    """Whether the catalog links ``control`` to one of the taxonomy threats or blindspots: by its 'addresses', by a
    blindspot's suggestions, or by its scope (all: every threat; cross-layer: threats the matrix places across layers)."""
    entry = kb.mitigations[control]
    if entry.get("scope") == "all":
        return True
    if entry.get("scope") == "cross-layer" and any("CL" in kb.threat_layers.get(t, {}) for t in mapped):
        return True
    return bool(set(_ids(entry.get("addresses", []))) & mapped) or any(control in _ids(kb.blindspots[b].get("suggested_mitigations", []))
                                                                        for b in blind)


def _ids(refs) -> list[str]:
    """IDs of a list whose items are IDs or {id, why} entries."""
    return [r.get("id") if isinstance(r, dict) else r for r in refs or []]


def coverage_on(mitigation: dict, threat_id: str) -> str:
    """How much of one threat a control covers: a card's ``coverage`` is "full", "partial", or per threat
    ({PAY-T1: full, PAY-T2: partial}); a threat the mapping does not name is covered in part (ruling R26)."""
    cov = mitigation.get("coverage", "full")
    if isinstance(cov, dict):
        return cov.get(threat_id, "partial")
    return cov if cov in ("full", "partial") else "full"


def controls_of(kb: KB, threat: dict, mitigations: dict, validations: list, scope=()) -> tuple:
    out = []
    for mid in dict.fromkeys(threat.get("mitigations", [])):
        m = mitigations.get(mid)
        if not isinstance(m, dict):
            continue
        status, basis = scoring_status(kb, m, validations)
        why = unfit(kb, threat, m, scope)
        if why:
            status, basis = "Not Implemented", "unfit"
        out.append(Control(mid, m.get("type", ""), m.get("status", ""), status, coverage_on(m, threat["id"]), basis, why))
    return tuple(out)


def posture(kb: KB, threat: dict, mitigations: dict, validations: list, scope=()) -> Posture:
    level = scoring.threat_level(kb, threat)
    controls = controls_of(kb, threat, mitigations, validations, scope)
    triples = [(c.type, c.status, c.coverage) for c in controls]
    credit = scoring.control_credit(kb, level, triples)
    eff = scoring.effective_risk(kb, level, triples)
    return Posture(threat["id"], level, controls, round(credit, 4), eff, scoring.equivalent_level(kb, eff),
                   bucket(kb, level, credit, controls))


def bucket(kb: KB, level: str, credit: float, controls) -> str:
    """The roadmap bucket: scoring.yaml's rule by level and credit, except that a threat whose level requires a
    preventive control and has no built one that is verified (Phase 8 or cited evidence) is due in the first
    bucket, whatever partial credit its other controls earn (ruling R25)."""
    if "preventive" in scoring.required_types(kb, level) and not built_preventive(controls):
        return kb.scoring["remediation_buckets"][0]["bucket"]
    return scoring.remediation_bucket(kb, level, credit)


def built_preventive(controls) -> bool:
    """Whether one of the controls is preventive, Implemented, and verified (by Phase 8 or cited evidence)."""
    return any(c.type == "preventive" and c.status == "Implemented" and c.basis not in ("unverified", "unfit") for c in controls)


def layer_scope(kb: KB, doc: dict) -> list[str]:
    """The layers in scope: the document's layer_scope, else those of its analysis depth (every layer at full depth)."""
    if isinstance(doc.get("layer_scope"), list):
        return list(doc["layer_scope"])
    depth = next((d for d in kb.depth["depths"] if d["key"] == doc.get("analysis_depth")), None)
    return list(depth["layers"]) if depth else []


def assess(kb: KB, doc: dict) -> dict[str, Posture]:
    """Posture of every well-formed threat in a threat-model document, by local ID."""
    mitigations = {m["id"]: m for m in doc.get("mitigations", []) or [] if isinstance(m, dict) and "id" in m}
    validations = [cv for cv in doc.get("code_validation", []) or [] if isinstance(cv, dict)]
    scope = layer_scope(kb, doc)
    out = {}
    for t in doc.get("threats", []) or []:
        try:
            out[t["id"]] = posture(kb, t, mitigations, validations, scope)
        except (KeyError, TypeError, ValueError):
            continue  # a malformed threat is reported by the schema rule, not scored
    return out
