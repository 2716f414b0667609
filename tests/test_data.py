"""The knowledge base itself: content qualities the validator does not check, one test per ID."""
from __future__ import annotations

import pytest

from conftest import KB, kb_ids
from maestro.kb import LAYER_ORDER

ACTIVE = kb_ids(lambda kb: [t["id"] for t in kb.active_threats()])
MITS = kb_ids(lambda kb: kb.mitigations)


def words(s: str) -> int:
    return len(s.split())


# Tests here check what the validator does not: the loader already enforces schemas, references, counts against
# meta.yaml, word minimums for descriptions and examples, unique names, markup and reserved IDs, so restating
# those here could never fail on its own.


@pytest.mark.parametrize("tid", ACTIVE)
def test_threat_prose_is_substantial(tid):
    t = KB.threats[tid]
    assert words(t["manifestation"]) >= 30
    assert all(words(i) >= 5 for i in t["indicators"]), "an indicator is a sentence, not a keyword"


@pytest.mark.parametrize("mid", MITS)
def test_mitigation_says_how(mid):
    assert len(KB.mitigations[mid]["implementation"]) >= 2, "at least two implementation notes"


@pytest.mark.parametrize("lid", LAYER_ORDER)
def test_layer_questions_are_questions(lid):
    assert all(q.rstrip().endswith("?") for q in KB.layers[lid]["key_questions"])


def test_glossary_explained():
    assert len(KB.glossary["terms"]) == 45
    assert all(words(t["definition"]) >= 8 for t in KB.glossary["terms"])
    assert len(KB.glossary["acronyms"]) >= 29
    assert all(a["expansion"] and a["note"] for a in KB.glossary["acronyms"])


def test_decisions_cover_every_upstream_defect():
    assert list(KB.decisions) == [f"D{n:02d}" for n in range(1, 41)]
    assert all(words(d["decision"]) >= 10 for d in KB.decisions.values())


def test_phase7_rule_resolved():
    rc = KB.scoring["required_controls"]
    assert rc["Critical"] == ["preventive", "detective", "corrective"]
    assert rc["High"] == ["preventive", "detective", "corrective"]


def test_risk_matrix_monotonic():
    order = ["Low", "Medium", "High", "Critical"]
    lik = ["Unlikely", "Possible", "Likely", "Very Likely"]
    m = KB.scoring["matrix"]
    for s in order:
        vals = [order.index(m[s][l]) for l in lik]
        assert vals == sorted(vals)
    for l in lik:
        vals = [order.index(m[s][l]) for s in order]
        assert vals == sorted(vals)
