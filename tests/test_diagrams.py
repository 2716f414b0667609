"""Diagrams are drawn from the data: change the data in a copy and the picture follows, with no drawing code touched."""
from __future__ import annotations

import copy
import json
import re
import xml.dom.minidom
from pathlib import Path

import pytest

from maestro import diagrams
from maestro.kb import STACK_LAYERS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

def href(ident):
    return f"/ids/{ident}/"


def parsed(svg: str):
    doc = xml.dom.minidom.parseString(svg).documentElement
    has_links = bool(doc.getElementsByTagName("a"))
    assert doc.getAttribute("role") == ("group" if has_links else "img"), "links inside role=img would be unreachable"
    title, desc = (doc.getElementsByTagName(t)[0].firstChild.data for t in ("title", "desc"))
    assert title.strip() and len(desc) > 40, "a screen reader gets a title and a description"
    assert doc.getAttribute("aria-labelledby") == doc.getElementsByTagName("title")[0].getAttribute("id")
    assert doc.getAttribute("aria-describedby") == doc.getElementsByTagName("desc")[0].getAttribute("id")
    return doc, title, desc


def texts(svg: str, cls: str = "") -> list[str]:
    return [re.sub(r"\s+", " ", t) for t in re.findall(r'<text class="[^"]*' + cls + r'[^"]*"[^>]*>([^<]*)</text>', svg)]


def links(svg: str) -> list[str]:
    return re.findall(r'<a xlink:href="/ids/([^/"]+)/"', svg)


def example(name):
    return json.loads((DATA / "examples" / f"{name}.json").read_text(encoding="utf-8"))


DRAWINGS = {
    "layer_stack": lambda kb: diagrams.layer_stack(kb, href),
    "layer_strip": lambda kb: diagrams.layer_strip(kb, href, "L3"),
    "phase_flow": lambda kb: diagrams.phase_flow(kb, href),
    "depth_tree": lambda kb: diagrams.depth_tree(kb),
    "risk_heatmap": lambda kb: diagrams.risk_heatmap(kb),
    "cost_effectiveness": lambda kb: diagrams.cost_effectiveness_heatmap(kb),
    **{f"pattern_{n}": (lambda kb, n=n: diagrams.pattern_chain(kb, n, href)) for n in range(1, 8)},
    **{f"architecture_{e}": (lambda kb, e=e: diagrams.architecture(kb, example(e), href)) for e in ("rag-agent", "devops-deployment", "quickstart")},
}


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_every_diagram_is_accessible_svg(kb, name):
    parsed(DRAWINGS[name](kb))


@pytest.mark.kb_params("lid", lambda kb: list(kb.layers))
def test_layer_stack_links_and_counts_every_layer(kb, lid):
    svg = diagrams.layer_stack(kb, href)
    nt, nm = diagrams.layer_counts(kb, lid)
    assert lid in links(svg)
    assert any(f"{nt} threats" in t for t in texts(svg)) and any(f"{nm} controls" in t for t in texts(svg))


def test_a_changed_layer_mapping_moves_the_count(kb):
    kb = copy.deepcopy(kb)
    before = {lid: diagrams.layer_counts(kb, lid)[0] for lid in STACK_LAYERS}
    kb.threat_layers["T42"] = {"L4": "primary"}          # T42 moves from L3 to L4 in the copy
    svg = diagrams.layer_stack(kb, href)
    assert any(t.endswith(f"{before['L4'] + 1} threats \u00b7 {diagrams.layer_counts(kb, 'L4')[1]} controls") for t in texts(svg))
    assert any(t.endswith(f"{before['L3'] - 1} threats \u00b7 {diagrams.layer_counts(kb, 'L3')[1]} controls") for t in texts(svg))


def test_a_changed_pattern_step_appears(kb):
    kb = copy.deepcopy(kb)
    kb.patterns[3]["steps"][0]["text"] = "Zebra planted."
    svg = diagrams.pattern_chain(kb, 3, href)
    assert "Zebra planted." in texts(svg) and "Zebra planted." in parsed(svg)[2]


@pytest.mark.kb_params("n", lambda kb: list(kb.patterns))
def test_pattern_chain_links_its_layers_and_threats(kb, n):
    p = kb.patterns[n]
    got = links(diagrams.pattern_chain(kb, n, href))
    assert [s["layer"] for s in p["steps"]] == [x for x in got if x in kb.layers]
    placed = {x for x in got if x in kb.threats}
    assert placed <= set(p["threats"])
    assert placed == {t for t in p["threats"] if kb.listed(t) and any(s["layer"] in kb.threat_layers.get(t, {}) for s in p["steps"])}


def test_risk_heatmap_labels_every_cell_with_the_matrix(kb):
    svg = diagrams.risk_heatmap(kb)
    cells = texts(svg, "dg-cell")
    sev = [s["level"] for s in kb.scoring["severity"]]
    lik = [s["level"] for s in kb.scoring["likelihood"]]
    assert cells == [kb.scoring["matrix"][s][l] for s in reversed(sev) for l in lik]   # text, never colour alone


def test_phase_flow_follows_the_dependencies(kb):
    kb = copy.deepcopy(kb)
    edges = diagrams._direct_edges(kb)
    assert all(b in [n for n in kb.phases if a in kb.phases[n].get("depends_on", [])] for a, b in edges)
    svg = diagrams.phase_flow(kb, href)
    skipped = kb.docs["phases"]["flow"]["lightweight_skipped"]
    assert texts(svg).count("skipped when lightweight") == len(skipped)
    kb.phases[6]["name"] = "Finding Threats"
    assert "Finding Threats" in " ".join(texts(diagrams.phase_flow(kb, href)))


def test_depth_tree_asks_every_question_in_order(kb):
    svg = diagrams.depth_tree(kb)
    asked = [t for t in texts(svg) if t.startswith("Question ")]
    assert asked == [f"Question {q['n']}" for q in kb.depth["questions"]]


@pytest.mark.parametrize("name", ["rag-agent", "devops-deployment", "quickstart"])
def test_architecture_draws_every_zone_component_and_boundary(kb, name):
    doc = example(name)
    svg = diagrams.architecture(kb, doc, href)
    shown = " ".join(texts(svg))
    for z in doc["trust_zones"]:
        assert z["name"] in shown
    desc = parsed(svg)[2]
    for c in doc["components"]:
        assert c["name"] in desc
    assert svg.count('class="dg-arrow" d=') == len(doc["trust_boundaries"])
    placed = {c for z in doc["trust_zones"] for c in z.get("components", [])} | {z["name"] for z in doc["trust_zones"]}
    drawn = [f for f in doc.get("data_flows", []) if f.get("from") in placed | {c["name"] for c in doc["components"]} and f.get("to") in placed | {c["name"] for c in doc["components"]}]
    assert svg.count('class="dg-arrow dg-dataflow"') == len(drawn)
    for f in drawn:
        assert f"{f['id']} from {f['from']} to {f['to']}" in desc.replace(f" {f.get('name', '')} from", " from")
    doc["trust_boundaries"] = doc["trust_boundaries"][:1]
    assert diagrams.architecture(kb, doc, href).count('class="dg-arrow" d=') == 1


def test_maestro_diagram_writes_the_engagement_picture(maestro_cli, tmp_path):
    src = tmp_path / "tm.json"
    src.write_text((DATA / "examples" / "rag-agent.json").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "arch.svg"
    out.write_text("my own drawing", encoding="utf-8")
    code, stdout, err = maestro_cli("diagram", src, "-o", out)
    assert code == 0, err
    parsed(out.read_text(encoding="utf-8"))
    assert (tmp_path / "arch.svg.bak").read_text(encoding="utf-8") == "my own drawing"   # nothing the user wrote is lost
    bad = json.loads(src.read_text(encoding="utf-8"))
    bad["threats"][0]["severity"] = "Severe"
    src.write_text(json.dumps(bad), encoding="utf-8")
    code, stdout, err = maestro_cli("diagram", src, "-o", tmp_path / "other.svg")
    assert code == 2 and "MC108" in stdout + err and not (tmp_path / "other.svg").exists()


@pytest.mark.build
@pytest.mark.parametrize("url,count", [("/", 1), ("/layers/L3/", 1), ("/layers/cross-layer/", 1), ("/playbook/01-layers/", 1), ("/playbook/06-modeling-process/", 2),
                                       ("/playbook/04-cross-layer-scenarios/", 9), ("/guides/risk-scoring/", 2),
                                       ("/examples/generic-rag-agent/", 1), ("/guides/quickstart/", 1)])
def test_pages_show_their_diagrams(site, url, count):
    html = (site / url.strip("/") / "index.html") if url != "/" else site / "index.html"
    text = html.read_text(encoding="utf-8")
    assert text.count('<figure class="maestro-figure') == count
    assert "\\-" not in re.sub(r"<svg.*?</svg>", "", "".join(re.findall(r"<figcaption>.*?</figcaption>", text)))
