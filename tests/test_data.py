"""The knowledge base itself: counts, content, and relations, one test per ID."""
from __future__ import annotations

import re

import pytest

from conftest import KB, kb_ids
from maestro import ids
from maestro.crossref import MARKUP
from maestro.kb import LAYER_ORDER, TYPE_ORDER

ACTIVE = kb_ids(lambda kb: [t["id"] for t in kb.active_threats()])
RESERVED = kb_ids(lambda kb: [t["id"] for t in kb.reserved_threats()])
BVS = kb_ids(lambda kb: kb.blindspots)
MITS = kb_ids(lambda kb: kb.mitigations)


def words(s: str) -> int:
    return len(s.split())


def test_counts():
    assert len(ACTIVE) == 45
    assert RESERVED == ["T26", "T27"]
    assert sum(t["kind"] == "core" for t in KB.threats.values()) == 15
    assert sum(t["kind"] == "extended" for t in KB.threats.values()) == 30
    assert len(KB.considerations) == 15
    assert len(BVS) == 12 and BVS == [f"BV-{n}" for n in range(1, 13)]
    assert len(MITS) == 118
    assert list(KB.layers) == LAYER_ORDER
    assert len(KB.patterns) == 7 and len(KB.factors) == 4 and len(KB.phases) == 10
    assert len(KB.templates) == 13 and len(KB.cases) == 3
    assert len(KB.decisions) == 40


EXPECTED_PER_LAYER = {  # preventive, detective, corrective, deterrent
    "L1": (5, 4, 3, 3), "L2": (4, 4, 3, 3), "L3": (5, 4, 4, 3), "L4": (5, 4, 4, 3),
    "L5": (4, 4, 3, 3), "L6": (5, 4, 3, 3), "L7": (4, 4, 3, 3), "CL": (4, 4, 3, 3),
}


@pytest.mark.parametrize("layer", LAYER_ORDER)
def test_mitigation_counts_per_layer_and_type(layer):
    by = KB.layer_mitigations(layer)
    assert tuple(len(by[t]) for t in TYPE_ORDER) == EXPECTED_PER_LAYER[layer]


@pytest.mark.parametrize("tid", ACTIVE)
def test_threat_content(tid):
    t = KB.threats[tid]
    assert words(t["description"]) >= 80
    assert words(t["manifestation"]) >= 30
    assert words(t["example"]) >= 30
    assert len(t["indicators"]) >= 3 and all(words(i) >= 5 for i in t["indicators"])
    assert t["stride"], "every threat has a STRIDE category"
    assert re.fullmatch(ids.THREAT, tid)


@pytest.mark.parametrize("tid", ACTIVE)
def test_threat_layers_and_relations(tid):
    cells = KB.threat_layers[tid]
    assert "primary" in cells.values()
    if KB.threats[tid]["kind"] == "extended":
        assert list(cells.values()).count("primary") == 1
    for a in KB.threats[tid]["atlas"]:
        assert a in KB.atlas_techniques
    for mid in KB.threat_mitigations[tid]:
        assert tid in KB.mitigations[mid]["addresses"]


@pytest.mark.parametrize("tid", RESERVED)
def test_reserved_never_referenced(tid):
    assert tid not in KB.threat_layers
    assert not KB.threat_mitigations.get(tid)
    assert tid not in KB.ref_items
    for b in KB.blindspots.values():
        assert tid not in b["related_threats"]
    for p in KB.patterns.values():
        assert tid not in p["threats"]


@pytest.mark.parametrize("bid", BVS)
def test_blindspot_content(bid):
    b = KB.blindspots[bid]
    assert words(b["description"]) >= 80 and words(b["example"]) >= 30
    assert len(b["indicators"]) >= 3
    assert b["related_threats"] and b["suggested_mitigations"]
    assert KB.ref_items.get(bid), "each blindspot has its checklist item"
    assert set(b["layers"]) <= set(LAYER_ORDER)


@pytest.mark.parametrize("mid", MITS)
def test_mitigation_content(mid):
    m = KB.mitigations[mid]
    assert re.fullmatch(ids.MITIGATION, mid)
    assert words(m["description"]) >= 40
    assert len(m["implementation"]) >= 2
    assert m["addresses"] or m.get("scope") or m.get("patterns") or m.get("considerations")
    layer, letter, _ = ids.mitigation_parts(mid)
    assert layer in LAYER_ORDER and letter in TYPE_ORDER


@pytest.mark.parametrize("lid", LAYER_ORDER)
def test_layer_content(lid):
    l = KB.layers[lid]
    assert words(l["description"]) >= 60 and l["key_questions"]
    assert all(q.rstrip().endswith("?") for q in l["key_questions"])
    assert KB.sections[lid]["items"], "every layer has a checklist"


def test_one_canonical_name_per_id():
    names = {}
    for table in (KB.threats, KB.blindspots, KB.mitigations, KB.layers):
        for ident, node in table.items():
            if "name" in node:
                assert node["name"].casefold() not in names, (ident, names.get(node["name"].casefold()))
                names[node["name"].casefold()] = ident


def test_glossary_explained():
    assert len(KB.glossary["terms"]) == 45
    assert all(words(t["definition"]) >= 8 for t in KB.glossary["terms"])
    assert len(KB.glossary["acronyms"]) >= 29
    assert all(a["expansion"] and a["note"] for a in KB.glossary["acronyms"])


def test_no_markup_in_data_text():
    from maestro.crossref import strings as _strings
    for name, doc in KB.docs.items():
        for path, _, _, s in _strings(doc):
            assert not MARKUP.search(s), (name, path, s)


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
