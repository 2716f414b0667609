"""Risk scoring from data/scoring.yaml: risk level, effective risk, ranking, Phase 7 rules.

Every number and rule comes from the knowledge base, so the CLI and the checks compute the same thing; the risk
calculator on the site computes nothing, it looks its answers up in ``calculator_table``, made at build time here.
"""
from __future__ import annotations

import itertools
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


def threat_level(kb: KB, threat: dict) -> str:
    """A threat's risk level from the matrix; before its likelihood is rated, its severity stands in (ruling R08)."""
    if threat.get("likelihood") is None:
        return severity(kb, threat["severity"])
    return risk_level(kb, threat["severity"], threat["likelihood"])


def level_info(kb: KB, level: str) -> dict:
    return next(r for r in kb.scoring["risk_levels"] if r["level"] == level)


def status_value(kb: KB, stat: str, coverage: str = "full") -> float:
    """Numeric status of one mitigation; a control covering only part of the threat counts at most as partial."""
    v = status(kb, stat)["value"]
    if coverage == "partial":
        v = min(v, kb.scoring["effective_risk"]["partial_coverage_value"])
    return v


def control_credit(kb: KB, level: str, controls: list) -> float:
    """How much of a threat's risk its controls take away, from 0 (nothing) to 1 (all); ruling R02.

    ``controls`` holds (type, status, coverage) triples; type is a key such as "preventive".
    Where the level requires control types (High and Critical need preventive, detective and
    corrective), the credit is the average over those types of the strongest status among the
    controls of that type, so one fully built control of one type takes away a third, not all.
    Elsewhere the strongest status of any control counts, as the upstream formula says.
    """
    best = credit_parts(kb, level, controls)
    return sum(best.values()) / len(best)


def credit_parts(kb: KB, level: str, controls: list) -> dict:
    """What ``control_credit`` averages: the strongest status value of each required type, or, at a level
    with no required set, of any control (key "strongest")."""
    required = required_types(kb, level)
    if not required:
        return {"strongest": max((status_value(kb, s, c) for _, s, c in controls), default=0.0)}
    best = {t: 0.0 for t in required}
    for kind, s, c in controls:
        if kind in best:
            best[kind] = max(best[kind], status_value(kb, s, c))
    return best


def effective_risk(kb: KB, level: str, controls: list) -> float:
    """Risk value x (1 - control credit), rounded to two decimals; see ``control_credit``."""
    return round(level_info(kb, level)["value"] * (1 - control_credit(kb, level, controls)), 2)


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
    action_level: str = ""
    action_basis: str = ""
    vector: str | None = None
    vector_effect: str | None = None
    complexity: str | None = None
    complexity_effect: str | None = None

    def as_dict(self):
        return dict(self.__dict__)


def parse_statuses(kb: KB, value: str) -> dict[str, str]:
    """'implemented' (every control type at that status) or 'preventive=implemented,detective=partial'."""
    types = [t["key"] for t in kb.docs["mitigations"]["types"]]
    if "=" not in value:
        st = status(kb, value)["status"]
        return {t: st for t in types}
    out = {t: "Not Implemented" for t in types}
    for part in value.split(","):
        kind, _, stat = part.partition("=")
        kind = kind.strip().lower()
        if kind not in types:
            raise ValueError(f"unknown control type {kind!r}; expected one of: {', '.join(types)}")
        out[kind] = status(kb, stat)["status"]
    return out


def action_level(kb: KB, level: str, effective: float) -> tuple[str, str]:
    """The level whose required action applies, and why (ruling R12): the inherent level while the controls earn
    no credit, otherwise the level the effective risk reaches; an effective risk of 0 takes the lowest level's."""
    if effective >= level_info(kb, level)["value"]:
        return level, "inherent"
    eff_level = equivalent_level(kb, effective)
    return (kb.scoring["risk_levels"][0]["level"] if eff_level == "None" else eff_level), "effective"


def status_label(kb: KB, level: str, per_type: dict[str, str]) -> str:
    """The statuses that earn credit at this level, as `maestro score` shows them: one per required type (a single
    name when they agree), or, at a level with no required types, the status of the strongest control."""
    required = required_types(kb, level)
    if required:
        shown = {k: per_type[k] for k in required}
        return ", ".join(f"{k} {v}" for k, v in shown.items()) if len(set(shown.values())) > 1 else shown[required[0]]
    return max(per_type.values(), key=lambda v: status(kb, v)["value"])


def outcome(kb: KB, level: str, per_type: dict[str, str]) -> dict:
    """What controls with these statuses (control type -> status name) make of a threat at this risk level: the
    control credit, the effective risk and its level, the statuses that count, and which level sets the action."""
    controls = [(kind, st, "full") for kind, st in per_type.items()]
    eff = effective_risk(kb, level, controls)
    act_level, basis = action_level(kb, level, eff)
    return {"credit": round(control_credit(kb, level, controls), 2), "status": status_label(kb, level, per_type),
            "effective": eff, "effective_level": equivalent_level(kb, eff), "action_level": act_level, "drives": basis}


def score(kb: KB, sev: str, lik: str, stat: str = "not", vec: str | None = None, comp: str | None = None) -> Score:
    lvl = risk_level(kb, sev, lik)
    info = level_info(kb, lvl)
    out = outcome(kb, lvl, parse_statuses(kb, stat))
    act = level_info(kb, out["action_level"])
    s = Score(severity(kb, sev), likelihood(kb, lik), lvl, info["value"], act["action"], act["timeframe"],
              out["status"], out["effective"], out["effective_level"], out["action_level"], out["drives"])
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


_CREDIT = {"none": lambda c: c <= 0, "some": lambda c: 0 < c < 1, "open": lambda c: c < 1, "full": lambda c: c >= 1, "any": lambda c: True}


def remediation_bucket(kb: KB, level: str, credit: float) -> str:
    """Roadmap bucket for a risk level and its control credit: the first bucket in scoring.yaml that takes it
    (changelog D21, ruling R02)."""
    for b in kb.scoring["remediation_buckets"]:
        if any(t["level"] in ("any", level) and _CREDIT[t["credit"]](credit) for t in b["takes"]):
            return b["bucket"]
    return kb.scoring["remediation_buckets"][-1]["bucket"]


def bucket_rank(kb: KB, bucket: str) -> int:
    """0 for the most urgent roadmap bucket (Immediate), rising with the deferral."""
    names = [b["bucket"] for b in kb.scoring["remediation_buckets"]]
    return names.index(bucket) if bucket in names else len(names)


def calculator_table(kb: KB) -> dict:
    """Every answer the risk calculator on the site can give, as plain data, so that the page looks results up instead
    of computing them (scoring lives here only).

    - ``cells``: severity -> likelihood -> risk level (the matrix);
    - ``levels``: risk level -> its value, action, timeframe and the control types it requires;
    - ``outcomes``: risk level -> key -> ``outcome``, where the key is the status keys of the required types joined
      by "," in the order of ``required`` (for instance "implemented,partial,not"), or, at a level that requires no
      type, the status key of the strongest control;
    - ``vector`` and ``complexity``: each value's effect on the ranking (they change neither level).
    """
    sc = kb.scoring
    keys = {s["key"]: s["status"] for s in sc["implementation_status"]}
    types = [t["key"] for t in kb.docs["mitigations"]["types"]]
    levels, outcomes = {}, {}
    for info in sc["risk_levels"]:
        lvl = info["level"]
        required = required_types(kb, lvl)
        levels[lvl] = {"value": info["value"], "action": info["action"], "timeframe": info["timeframe"], "required": required}
        outcomes[lvl] = {}
        for combo in itertools.product(keys, repeat=len(required) or 1):
            per_type = dict.fromkeys(types, keys[combo[0]]) if not required else \
                {t: keys[k] for t, k in zip(required, combo)} | {t: "Not Implemented" for t in types if t not in required}
            outcomes[lvl][",".join(combo)] = outcome(kb, lvl, per_type)
    return {"cells": {sev: dict(row) for sev, row in sc["matrix"].items()}, "levels": levels, "outcomes": outcomes,
            "vector": {v["value"]: v["effect"] for v in sc["attack_vector"]},
            "complexity": {c["value"]: c["effect"] for c in sc["attack_complexity"]}}
