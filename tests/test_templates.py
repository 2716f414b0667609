"""ID pages are rendered from one Jinja template per page type, fed the plain views of maestro/views.py."""
from __future__ import annotations

import copy

import pytest

from conftest import KB
from macros import pages, templating
from macros.render import Linker
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
