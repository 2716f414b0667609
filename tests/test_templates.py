"""ID pages are rendered from one Jinja template per page type, fed the plain views of maestro/views.py."""
from __future__ import annotations

import copy

import pytest

from conftest import KB, kb_ids
from macros import pages, templating
from macros.render import Linker, esc
from maestro import views
from maestro.urls import src_of


@pytest.mark.parametrize("kind,ident", [("threat", "T12"), ("blindspot", "BV-7"), ("mitigation", "L3-D2"), ("layer", "CL"), ("threat", "T26")])
def test_every_page_type_has_a_template_and_a_view(kind, ident):
    text = pages.all_pages(KB)[src_of(kind, ident)]
    assert text.startswith("---\n") and f'maestro_id: "{ident}"' in text


def test_views_are_plain_data():
    import json
    for v in (views.threat_view(KB, "T6"), views.blindspot_view(KB, "BV-2"), views.mitigation_view(KB, "L3-P1"), views.layer_view(KB, "L3")):
        json.dumps(v)  # nothing but dicts, lists, strings, numbers


def test_data_strings_are_escaped_by_the_template():
    kb = copy.copy(KB)
    kb.threats = dict(KB.threats, T6=dict(KB.threats["T6"], example="<script>alert(1)</script> and **bold** | pipe"))
    text = pages.threat_page(kb, "T6")
    assert "<script>" not in text and "&lt;script&gt;" in text and "\\*\\*bold\\*\\*" in text and "\\| pipe" in text


def test_helpers_output_is_not_escaped_twice():
    out = templating.render("index.md.j2", Linker(KB, "threats/index.md"), key="threats", title="A & B", description="d",
                            head=["ID"], rows=[[templating.Markup("[T1](T1.md)")]], intro="")
    assert "# A &amp; B" in out and "| [T1](T1.md) |" in out


@pytest.mark.parametrize("tid", kb_ids(lambda kb: [t["id"] for t in kb.active_threats()]))
def test_further_reading_names_each_cited_source(tid):
    """Every external entry a threat cites appears under Further reading with its document, and only core threats
    name OWASP's Threats and Mitigations guide as their origin."""
    t = KB.threats[tid]
    reading = views.further_reading(KB, t)
    listed = " ".join(e for r in reading for e in r["entries"])
    for field in ("asi_top10", "atlas", "cwe"):
        for x in t[field]:
            assert x in listed, (tid, x)
    for x in t["llm_top10"]:
        assert x in listed, (tid, x)
    origin = [r for r in reading if r["document"].startswith(KB.frameworks["agentic_threats"]["name"])]
    assert bool(origin) == (t["kind"] == "core"), tid
    page = pages.threat_page(KB, tid)
    assert "## Further reading { #further-reading }" in page and all(esc(r["document"].split(" (")[0]) in page for r in reading)
