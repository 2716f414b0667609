"""Risk scoring from data/scoring.yaml: risk level, effective risk, ranking, Phase 7 rules.

Every number and rule comes from the knowledge base, so the CLI, the checks and the risk
calculator on the site compute the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass

from .kb import KB

SEVERITIES = ["Low", "Medium", "High", "Critical"]
LIKELIHOODS = ["Unlikely", "Possible", "Likely", "Very Likely"]


def _norm(value: str, choices: list[str], what: str) -> str:
    for c in choices:
        if value.strip().lower().replace("-", " ").replace("_", " ") == c.lower():
            return c
    raise ValueError(f"unknown {what} {value!r}; expected one of: {', '.join(choices)}")


def severity(kb: KB, value: str) -> str:
    return _norm(value, [s["level"] for s in kb.scoring["severity"]], "severity")


def likelihood(kb: KB, value: str) -> str:
    return _norm(value, [s["level"] for s in kb.scoring["likelihood"]], "likelihood")


def vector(kb: KB, value: str) -> str:
    return _norm(value, [v["value"] for v in kb.scoring["attack_vector"]], "attack vector")


def complexity(kb: KB, value: str) -> str:
    return _norm(value, [v["value"] for v in kb.scoring["attack_complexity"]], "attack complexity")


def status(kb: KB, value: str) -> dict:
    """An implementation status by key (not, partial, implemented) or by name."""
    v = value.strip().lower()
    for s in kb.scoring["implementation_status"]:
        if v in (s["key"], s["status"].lower()):
            return s
    keys = ", ".join(f"{s['key']} ({s['status']})" for s in kb.scoring["implementation_status"])
    raise ValueError(f"unknown implementation status {value!r}; expected one of: {keys}")


def risk_level(kb: KB, sev: str, lik: str) -> str:
    return kb.scoring["matrix"][severity(kb, sev)][likelihood(kb, lik)]


def level_info(kb: KB, level: str) -> dict:
    return next(r for r in kb.scoring["risk_levels"] if r["level"] == level)


def status_value(kb: KB, stat: str, coverage: str = "full") -> float:
    """Numeric status of one mitigation; a control covering only part of the threat counts at most as partial."""
    v = status(kb, stat)["value"]
    if coverage == "partial":
        v = min(v, kb.scoring["effective_risk"]["partial_coverage_value"])
    return v


def effective_risk(kb: KB, level: str, statuses: list) -> float:
    """Risk value x (1 - strongest implementation status); no mitigation counts as 0.0.

    ``statuses`` holds status names/keys, or (status, coverage) pairs.
    """
    vals = [status_value(kb, *s) if isinstance(s, tuple) else status_value(kb, s) for s in statuses]
    best = max(vals, default=0.0)
    return round(level_info(kb, level)["value"] * (1 - best), 2)


def equivalent_level(kb: KB, value: float) -> str:
    """The risk level whose value is nearest below or at an effective risk (0 -> 'None')."""
    if value <= 0:
        return "None"
    levels = sorted(kb.scoring["risk_levels"], key=lambda r: r["value"])
    out = levels[0]["level"]
    for r in levels:
        if value >= r["value"]:
            out = r["level"]
    return out


@dataclass
class Score:
    severity: str
    likelihood: str
    level: str
    value: int
    action: str
    timeframe: str
    status: str
    effective: float
    effective_level: str
    vector: str | None = None
    vector_effect: str | None = None
    complexity: str | None = None
    complexity_effect: str | None = None

    def as_dict(self):
        return dict(self.__dict__)


def score(kb: KB, sev: str, lik: str, stat: str = "not", vec: str | None = None, comp: str | None = None) -> Score:
    lvl = risk_level(kb, sev, lik)
    info = level_info(kb, lvl)
    st = status(kb, stat)
    eff = effective_risk(kb, lvl, [st["key"]])
    s = Score(severity(kb, sev), likelihood(kb, lik), lvl, info["value"], info["action"], info["timeframe"],
              st["status"], eff, equivalent_level(kb, eff))
    if vec:
        s.vector = vector(kb, vec)
        s.vector_effect = next(v["effect"] for v in kb.scoring["attack_vector"] if v["value"] == s.vector)
    if comp:
        s.complexity = complexity(kb, comp)
        s.complexity_effect = next(v["effect"] for v in kb.scoring["attack_complexity"] if v["value"] == s.complexity)
    return s


def rank_key(kb: KB, eff: float, vec: str | None, comp: str | None):
    """Sort key of the prioritisation workflow: effective risk desc, then vector, then complexity."""
    vorder = [v["value"] for v in kb.scoring["attack_vector"]]
    corder = [c["value"] for c in kb.scoring["attack_complexity"]]
    return (-eff, vorder.index(vec) if vec in vorder else len(vorder), corder.index(comp) if comp in corder else len(corder))


def required_types(kb: KB, level: str) -> list[str]:
    """Control types (preventive, detective, corrective, deterrent) a threat at this level must have."""
    return list(kb.scoring["required_controls"].get(level, []))


def remediation_bucket(kb: KB, level: str, best_status_key: str) -> str:
    """Roadmap bucket for a risk level and its strongest mitigation status (changelog D21)."""
    if best_status_key == "implemented":
        return "Long-term"
    if level == "Critical":
        return "Immediate" if best_status_key == "not" else "Short-term"
    if level == "High":
        return "Short-term"
    if level == "Medium":
        return "Medium-term"
    return "Long-term"
