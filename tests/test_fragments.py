"""The HTML fragments of templates/fragments/: every template is used, and data handed to one is escaped.

Macros and the workshop kit hand the templates plain data (and Linker links as Markup); the templates write every tag
with autoescape on. A name carrying a script element and a quote that would close an attribute is planted in the data
each template prints, and must come out as text: no <script> element, no attribute it would have opened.
"""
from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from maestro_site import filters
from maestro_site import pages as site_pages
from maestro_site.render import Linker
from maestro_site.tables import catalog, checklists as checklist_tables, diagrams, matrix, process, scoring
from maestro_site.templating import FRAGMENTS, fragment
from maestro_site.workshop import card, checklists, pack, worksheets

ROOT = Path(__file__).resolve().parents[1]
SITE_PACKAGE = ROOT / "maestro_site"
TEMPLATES = sorted(p.name for p in FRAGMENTS.glob("*.j2"))
MACROS = "_macros.html.j2"

HOSTILE = '<script>alert(1)</script>" onclick="alert(2)'


# ---------------------------------------------------------------- every template is used
def _python_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SITE_PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_fragment_is_used(template):
    if template.startswith("_"):   # a partial: imported by other fragments
        users = [p.name for p in FRAGMENTS.glob("*.j2") if f'"{template}"' in p.read_text(encoding="utf-8")]
        assert users, f"no fragment imports {template}"
    else:
        assert re.search(rf"""["']{re.escape(template)}["']""", _python_sources()), f"no module of maestro_site renders {template}"


def _shared_macros() -> list[str]:
    return re.findall(r"{%-?\s*macro\s+(\w+)", (FRAGMENTS / MACROS).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", _shared_macros())
def test_every_shared_macro_is_used(name):
    text = "\n".join(p.read_text(encoding="utf-8") for p in FRAGMENTS.glob("*.j2") if p.name != MACROS)
    assert re.search(rf"{{%-?\s*from\s+\"{MACROS}\"\s+import\s+[\w, ]*\b{name}\b", text), f"no fragment imports {name} from {MACROS}"


# ---------------------------------------------------------------- data is escaped
def _L(kb, here="workshop/index.md"):
    return Linker(kb, here)


def _first_threat(kb) -> str:
    return kb.active_threats()[0]["id"]


def _first_field_template(kb) -> dict:
    return next(t for t in kb.templates.values() if t.get("fields"))


def _plant(kb, what: str):
    """Put HOSTILE into one place of the (copied) knowledge base."""
    if what == "factor":
        kb.factors[0]["name"] = HOSTILE
    elif what == "version":
        kb.meta["version"] = HOSTILE
    elif what == "released":
        kb.meta["released"] = HOSTILE
    elif what == "formula":
        kb.scoring["effective_risk"]["formula"] = HOSTILE
    elif what == "threat":
        kb.threats[_first_threat(kb)]["name"] = HOSTILE
    elif what == "mitigation":
        kb.mitigations[next(iter(kb.mitigations))]["name"] = HOSTILE
    elif what == "field":
        _first_field_template(kb)["fields"][0]["name"] = HOSTILE
    elif what == "template":
        t = _first_field_template(kb)
        t["name"] = t["purpose"] = HOSTILE
    elif what == "section":
        s = next(iter(kb.sections.values()))
        s["title"] = HOSTILE
        s["items"][0]["id"] = HOSTILE
    elif what == "mvtm":
        kb.depth["mvtm"][0] = HOSTILE
    elif what == "phase":
        next(iter(kb.phases.values()))["name"] = HOSTILE
    elif what == "status":
        kb.scoring["implementation_status"][0]["status"] = HOSTILE
    else:
        raise KeyError(what)


def _section(kb) -> str:
    return next(iter(kb.sections))


CASES = {
    # template: (where HOSTILE goes, what renders it)
    "qr-table.html.j2": ("factor", lambda kb: card.factors_block(kb)),
    "qr-block.html.j2": ("factor", lambda kb: card.factors_block(kb)),
    "qr-card.html.j2": ("version", lambda kb: card.card(kb, _L(kb, "workshop/quick-reference.md"))),
    "qr-risk-rules.html.j2": ("formula", lambda kb: card.risk_rules(kb)),
    "qr-note.html.j2": (None, lambda kb: fragment("qr-note.html.j2", text=HOSTILE)),
    "risk-sheet.html.j2": ("formula", lambda kb: card.risk_sheet(kb)),
    "mapping-sheet.html.j2": ("threat", lambda kb: card.mapping_sheet(kb, _L(kb, "workshop/matrix.md"))),
    "workshop-page.html.j2": ("template", lambda kb: worksheets.worksheet_page(kb, _first_field_template(kb)["key"])),
    "worksheet-body.html.j2": ("field", lambda kb: worksheets.worksheet_body(kb, _first_field_template(kb), _L(kb))),
    "worksheet-sheet.html.j2": ("template", lambda kb: worksheets.full_sheet(kb, _first_field_template(kb), _L(kb))),
    "worksheet-cards.html.j2": ("template", lambda kb: worksheets.card_sheet(kb, _first_field_template(kb), _L(kb))),
    "checklist-section.html.j2": ("section", lambda kb: checklists.section_table(kb, _L(kb), _section(kb), interactive=True)),
    "checklist-forms.html.j2": ("section", lambda kb: checklists.checklists_form(kb, _L(kb), interactive=True)),
    "mvtm-form.html.j2": ("mvtm", lambda kb: checklists.mvtm_form(kb, interactive=True)),
    "checklists-page.html.j2": ("mvtm", lambda kb: checklists.checklists_page(kb, _L(kb, "workshop/checklists.md"))),
    "pack-page.html.j2": ("released", lambda kb: pack.pack_page(kb, _L(kb), "# Facilitator's guide\n")),
    "filter-form.html.j2": (None, lambda kb: filters.filter_form("g", HOSTILE, [filters.Facet("x", HOSTILE, HOSTILE, [(HOSTILE, HOSTILE)])], 1, HOSTILE)),
    "filter-row.html.j2": (None, lambda kb: filters.row_attrs(layer=HOSTILE, cells=[HOSTILE, "L3:primary"])),
    "mapping-matrix.html.j2": ("threat", lambda kb: matrix.mapping_matrix(kb, _L(kb, "playbook/03-mapping-matrix.md"), kb.threats[_first_threat(kb)]["kind"])),
    "catalog-table.html.j2": ("mitigation", lambda kb: catalog.catalog_table(kb, _L(kb, "playbook/09-mitigation-catalog.md"), [next(iter(kb.mitigations))])),
    "catalog-section.html.j2": ("mitigation", lambda kb: catalog.mitigation_catalog(kb, _L(kb, "playbook/09-mitigation-catalog.md"))),
    "phase-checklist.html.j2": ("phase", lambda kb: process.phase_checklist(kb)),
    "cell-lines.html.j2": ("phase", lambda kb: process.phase_table(kb, _L(kb, "playbook/05-process.md"))),
    "checklist.html.j2": ("section", lambda kb: checklist_tables.checklist(kb, _L(kb, "playbook/08-checklists.md"), _section(kb))),
    "figure.html.j2": (None, lambda kb: diagrams.figure("<svg></svg>", HOSTILE, HOSTILE)),
    "anchor.html.j2": (None, lambda kb: fragment("anchor.html.j2", id=HOSTILE)),
    "risk-badge.html.j2": (None, lambda kb: fragment("risk-badge.html.j2", level=HOSTILE)),
    "short-form.html.j2": (None, lambda kb: fragment("short-form.html.j2", ident=HOSTILE, name=HOSTILE, href=HOSTILE)),
    "risk-calculator.html.j2": ("status", lambda kb: scoring.risk_calculator(kb)),
    "id-index.html.j2": ("mitigation", lambda kb: site_pages.index_page(kb, "mitigations").markdown),
}
"""Every fragment that prints data, with the data it is given HOSTILE in and the function that renders it."""

NO_DATA = {
    MACROS: "macros only, rendered through the fragments that import them",
    "matrix-legend.html.j2": "fixed text, no data",
}


def test_every_fragment_has_an_escaping_case():
    assert sorted(set(CASES) | set(NO_DATA)) == TEMPLATES, "give a new fragment a row in CASES (or NO_DATA, with the reason)"


class _Parsed(HTMLParser):
    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.shown = [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(name, value) for name, value in attrs]
        self.shown += [value or "" for _, value in attrs]

    def handle_data(self, data):
        self.shown.append(data)


@pytest.mark.parametrize("template", sorted(CASES))
def test_data_in_a_fragment_is_escaped(kb, template):
    where, render = CASES[template]
    kb = copy.deepcopy(kb)
    if where:
        _plant(kb, where)
    out = _Parsed(pack.body_of(str(render(kb))))   # a page's front matter is YAML, escaped by MkDocs (test_hostile_data)
    assert "script" not in out.tags, f"{template}: the planted <script> became an element"
    assert ("onclick", "alert(2)") not in out.attrs, f"{template}: the planted quote closed an attribute"
    assert any("<script>" in s for s in out.shown), f"{template}: the planted name does not reach the page (the case tests nothing)"
