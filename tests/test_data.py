"""The knowledge base itself: content qualities the validator does not check, one test per ID."""
from __future__ import annotations

import pytest

from maestro import ids, views
from maestro.kb import LAYER_ORDER


def active_ids(kb):
    return [t["id"] for t in kb.active_threats()]


def mitigation_ids(kb):
    return list(kb.mitigations)


def words(s: str) -> int:
    return len(s.split())


# Tests here check what the validator does not: the loader already enforces schemas, references, counts against
# meta.yaml, word minimums for descriptions and examples, unique names, markup and reserved IDs, so restating
# those here could never fail on its own.


@pytest.mark.kb_params("tid", active_ids)
def test_threat_prose_is_substantial(kb, tid):
    t = kb.threats[tid]
    assert words(t["manifestation"]) >= 30
    assert all(words(i) >= 5 for i in t["indicators"]), "an indicator is a sentence, not a keyword"


@pytest.mark.kb_params("mid", mitigation_ids)
def test_mitigation_says_how(kb, mid):
    assert len(kb.mitigations[mid]["implementation"]) >= 2, "at least two implementation notes"


@pytest.mark.parametrize("lid", LAYER_ORDER)
def test_layer_questions_are_questions(kb, lid):
    assert all(q.rstrip().endswith("?") for q in kb.layers[lid]["key_questions"])


def test_glossary_explained(kb):
    assert len(kb.glossary["terms"]) == 45
    assert all(words(t["definition"]) >= 8 for t in kb.glossary["terms"])
    assert len(kb.glossary["acronyms"]) >= 29
    assert all(a["expansion"] and a["note"] for a in kb.glossary["acronyms"])


def test_decisions_cover_every_upstream_defect(kb):
    assert list(kb.decisions) == [f"D{n:02d}" for n in range(1, 41)]
    assert all(words(d["decision"]) >= 10 for d in kb.decisions.values())


def test_phase7_rule_resolved(kb):
    rc = kb.scoring["required_controls"]
    assert rc["Critical"] == ["preventive", "detective", "corrective"]
    assert rc["High"] == ["preventive", "detective", "corrective"]


def test_risk_matrix_monotonic(kb):
    order = ["Low", "Medium", "High", "Critical"]
    lik = ["Unlikely", "Possible", "Likely", "Very Likely"]
    m = kb.scoring["matrix"]
    for s in order:
        vals = [order.index(m[s][l]) for l in lik]
        assert vals == sorted(vals)
    for l in lik:
        vals = [order.index(m[s][l]) for s in order]
        assert vals == sorted(vals)


# ===================================================================== catalog coverage and the reason for each link
def _types(kb, mids) -> set:
    return {kb.mitigation_type(m) for m in mids if kb.listed(m)}


@pytest.mark.kb_params("ident", lambda kb: [t["id"] for t in kb.active_threats()] + [b for b in kb.blindspots if kb.listed(b)])
def test_every_active_threat_and_blindspot_has_preventive_detective_and_corrective_controls(kb, ident):
    """Phase 7 needs all three for a Critical or High risk, and a project control earns credit through catalog controls."""
    mids = kb.blindspots[ident]["suggested_mitigations"] if ident in kb.blindspots else kb.threat_mitigations[ident]
    lack = [kb.types[k]["name"] for k in ("P", "D", "C") if k not in _types(kb, mids)]
    assert not lack, f"{ident} has no {', '.join(lack)} catalog control"


def links(kb):
    """(control, threat) for every `addresses` link, (blindspot, control) for every suggestion."""
    return ([pytest.param(m, t, id=f"{m}>{t}") for m in kb.mitigations for t in kb.mitigations[m]["addresses"]]
            + [pytest.param(b, m, id=f"{b}>{m}") for b in kb.blindspots for m in kb.blindspots[b]["suggested_mitigations"]])


def _reason(kb, owner: str, target: str) -> tuple[str, bool, set]:
    """The reason a page shows for a link, whether the data states it, and the IDs it may mention: what the control
    addresses, itself, and for a blindspot's link the blindspot."""
    if owner in kb.mitigations:
        row = views.mitigation_for_threat(kb, owner, target)
        assert row["stated"] or row["names_threat"], f"no reason: the description of {owner} does not name {target}"
        return row["reason"], row["stated"], set(kb.mitigations[owner]["addresses"]) | {owner}
    row = views.mitigation_for_blindspot(kb, target, owner)
    return row["reason"], True, set(kb.mitigations[target]["addresses"]) | {target, owner}


@pytest.mark.kb_params("owner,target", links)
def test_every_link_has_a_reason_of_our_own(kb, owner, target):
    reason, stated, allowed = _reason(kb, owner, target)
    assert words(reason) >= 8, f"{reason!r} is too short to say why"
    strays = set(ids.ID_SHAPED.findall(reason)) - allowed
    assert not strays, f"the reason mentions {sorted(strays)}, which the control does not address"
    if stated:
        control = kb.mitigations[owner if owner in kb.mitigations else target]
        assert len(views.sentences(reason)) == 1 and reason.endswith("."), "a stated reason is one sentence"
        assert reason[0].isupper(), "a stated reason is a sentence"
        assert reason not in " ".join(control["description"].split()), "a stated reason says more than the description"
        others = (kb.blindspots[owner]["why"] if owner in kb.blindspots else control.get("why", {}))
        assert list(others.values()).count(others[target]) == 1, "each link has a reason of its own, not a shared one"


# ----------------------------------------------------------------- issue 21: corrections from an expert read
@pytest.mark.parametrize("tid,cwe", [("T6", "CWE-1427"), ("T48", "CWE-918"), ("T42", "CWE-488"), ("T49", "CWE-459")])
def test_threats_carry_the_cwe_that_names_them(kb, tid, cwe):
    """CWE-77 is command injection; input used for LLM prompting is CWE-1427. Request forgery is CWE-918, state served
    to the wrong session CWE-488, data left behind after its use CWE-459. Each has MITRE's name in frameworks.yaml."""
    assert cwe in kb.threats[tid]["cwe"]
    assert kb.cwe[cwe]


def test_t21_is_not_multi_agent_only(kb):
    """Ruling R22: one agent's overlapping runs race over shared state like two agents do."""
    t = kb.threats["T21"]
    assert not t.get("multi_agent_only")
    assert "single agent" in " ".join(t["description"].split())


@pytest.mark.parametrize("tid,studies", [("T15", {"AML.CS0026"}), ("T29", {"AML.CS0049"}), ("T37", {"AML.CS0049", "AML.CS0053"})])
def test_threats_cite_the_atlas_case_studies_that_show_them(kb, tid, studies):
    assert studies <= set(kb.threats[tid].get("atlas_case_studies", []))


def test_t6_is_mapped_at_the_model_layer(kb):
    """Ruling R21: secondary at L1, where injected text is read and most of its controls act; still primary at L3 and CL."""
    assert kb.threat_layers["T6"] == {"L1": "secondary", "L3": "primary", "CL": "primary"}
    assert sum(kb.mitigation_layer(m) == "L1" for m in kb.threat_mitigations["T6"]) > len(kb.threat_mitigations["T6"]) / 2
