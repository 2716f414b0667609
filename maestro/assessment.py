"""What a threat model's controls are worth: verified status, control credit, effective risk.

One home for the Phase 8 and Phase 9 arithmetic, so `maestro check`, `maestro score PATH` and
the worked-example pages compute the same numbers (rulings R01 and R02 in data/decisions.yaml).
Works on plain threat-model documents (dicts), whatever file they came from.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import scoring
from .kb import KB


@dataclass(frozen=True)
class Control:
    id: str
    type: str
    claimed: str        # the status on the mitigation card
    status: str         # the status scoring uses: claimed, capped by what Phase 8 verified
    coverage: str
    basis: str          # "code validation CV3", "evidence", or "unverified"


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
    if str(mitigation.get("evidence", "")).strip():
        return claimed, "evidence"
    return "Not Implemented", "unverified"


def controls_of(kb: KB, threat: dict, mitigations: dict, validations: list) -> tuple:
    out = []
    for mid in dict.fromkeys(threat.get("mitigations", [])):
        m = mitigations.get(mid)
        if not isinstance(m, dict):
            continue
        status, basis = scoring_status(kb, m, validations)
        out.append(Control(mid, m.get("type", ""), m.get("status", ""), status, m.get("coverage", "full"), basis))
    return tuple(out)


def posture(kb: KB, threat: dict, mitigations: dict, validations: list) -> Posture:
    level = scoring.threat_level(kb, threat)
    controls = controls_of(kb, threat, mitigations, validations)
    triples = [(c.type, c.status, c.coverage) for c in controls]
    credit = scoring.control_credit(kb, level, triples)
    eff = scoring.effective_risk(kb, level, triples)
    return Posture(threat["id"], level, controls, round(credit, 4), eff, scoring.equivalent_level(kb, eff),
                   scoring.remediation_bucket(kb, level, credit))


def assess(kb: KB, doc: dict) -> dict[str, Posture]:
    """Posture of every well-formed threat in a threat-model document, by local ID."""
    mitigations = {m["id"]: m for m in doc.get("mitigations", []) or [] if isinstance(m, dict) and "id" in m}
    validations = [cv for cv in doc.get("code_validation", []) or [] if isinstance(cv, dict)]
    out = {}
    for t in doc.get("threats", []) or []:
        try:
            out[t["id"]] = posture(kb, t, mitigations, validations)
        except (KeyError, TypeError, ValueError):
            continue  # a malformed threat is reported by the schema rule, not scored
    return out
