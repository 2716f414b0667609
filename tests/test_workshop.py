"""The workshop kit, drawn from the knowledge base: worksheets (data/templates.yaml), checklist forms
(data/checklists.yaml, data/depth.yaml), the quick-reference card, the one-page matrices and the pack.
How they print is tested in tests/test_workshop_browser.py."""
from __future__ import annotations

import copy
import html
import re

import pytest

from maestro_site.render import Linker
from maestro_site.workshop import card, checklists, pack, paper, worksheets
from maestro.kb import LAYER_ORDER


def template_keys(kb):
    return list(kb.templates)


def checklist_items(kb):
    return [(sid, i["id"]) for sid, s in kb.sections.items() for i in s["items"]]


def active_ids(kb):
    return [t["id"] for t in kb.active_threats()]


def _L(kb, name="checklists"):
    return Linker(kb, paper.src(name))


def _row(body: str, item: str) -> str:
    m = re.search(rf'<tr class="ck-row" data-item="{re.escape(item)}"[^>]*>.*?</tr>', body)
    assert m, item
    return m.group(0)


# ---------------------------------------------------------------- worksheets
@pytest.mark.kb_params("key", template_keys)
def test_worksheet_has_every_field_and_tick_boxes_for_choices(kb, key):
    t = kb.templates[key]
    body = worksheets.worksheet_body(kb, t, _L(kb, t["key"]))
    for f in t.get("fields", []):
        row = re.search(r"<tr[^>]*><th scope=\"row\">" + re.escape(html.escape(f["name"])) + r".*?</tr>", body)
        assert row, (key, f["name"])
        choices = worksheets._choices(kb, f)
        assert row.group(0).count("\u2610") == len(choices), (key, f["name"])
        assert (not choices) == ('class="ws-line"' in row.group(0)), (key, f["name"])   # ruled space where nothing is ticked
    for c in t.get("columns", []):
        assert f">{c}</th>" in body, (key, c)


def test_a_value_added_to_the_data_appears_as_a_box(kb):
    kb = copy.deepcopy(kb)
    severity = next(f for f in kb.templates["threat-card"]["fields"] if f["name"] == "Severity")
    severity["values"].append("Catastrophic")
    assert "\u2610</span> Catastrophic" in worksheets.worksheet_body(kb, kb.templates["threat-card"], _L(kb, "threat-card"))


def test_a_wide_grid_turns_its_sheet_to_landscape(kb):
    kb = copy.deepcopy(kb)
    t = kb.templates["layer-mapping"]
    assert 'class="ws-sheet"' in worksheets.sheet(kb, t, _L(kb))
    t["columns"] = t["columns"] + [f"Extra {n}" for n in range(worksheets.WIDE_GRID - len(t["columns"]))]
    assert 'class="ws-sheet ws-sheet--landscape"' in worksheets.sheet(kb, t, _L(kb))


def test_worksheets_run_in_phase_order(kb):
    firsts = [min(t["phases"]) for t in worksheets.in_phase_order(kb)]
    assert firsts == sorted(firsts) and len(firsts) == len(kb.templates)


@pytest.mark.build
@pytest.mark.kb_params("key", template_keys)
def test_worksheet_page_is_built_with_a_print_button(site_page, site, key):
    p = site_page(f"/workshop/{key}/")
    assert p.h1.startswith("Worksheet:")
    assert 'onclick="window.print()"' in (site / "workshop" / key / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- checklist forms
@pytest.mark.kb_params("sid,item", checklist_items)
def test_every_question_is_a_form_row_on_screen_and_on_paper(kb, sid, item):
    screen = _row(checklists.section_table(kb, _L(kb), sid, interactive=True), item)
    assert [v for v in re.findall(rf'name="{item}" value="(\w+)"', screen)] == [v for v, _ in checklists.RESULTS]
    assert f'name="{item}:evidence"' in screen and f'name="{item}:finding"' in screen
    assert f'id="{item}"' in screen            # the anchor CK-... links point at
    printed = _row(checklists.section_table(kb, _L(kb), sid, interactive=False), item)
    assert printed.count("\u2610") == len(checklists.RESULTS) and "<input" not in printed and "<textarea" not in printed
    text = next(i for i in kb.sections[sid]["items"] if i["id"] == item)["text"]
    assert html.escape(text.split()[0]) in screen


def test_a_question_added_to_the_data_appears_in_the_form(kb):
    kb = copy.deepcopy(kb)
    kb.sections["L3"]["items"].append({"id": "CK-L3-99", "text": "Is there a brand-new question?", "refs": ["T2"]})
    body = checklists.checklists_form(kb, _L(kb), interactive=True)
    assert "Is there a brand-new question?" in _row(body, "CK-L3-99")


def test_the_forms_carry_the_knowledge_base_version(kb):
    for form in (checklists.checklists_form(kb, _L(kb), True), checklists.mvtm_form(kb, True)):
        assert f'data-kb-version="{kb.meta["version"]}"' in form and '<div class="ck-tools" hidden></div>' in form
    for form in (checklists.checklists_form(kb, _L(kb), False), checklists.mvtm_form(kb, False)):
        assert "ck-form" not in form and "<input" not in form      # the pack's copies are never interactive


def test_mvtm_items_are_numbered_in_data_order(kb):
    form = checklists.mvtm_form(kb, True)
    assert re.findall(r'data-item="(MVTM-\d+)"', form) == [f"MVTM-{i}" for i in range(1, len(kb.depth["mvtm"]) + 1)]


# ---------------------------------------------------------------- card and matrices
def _cells(table_html: str, ident: str) -> list[str]:
    """The data cells of the row whose header links ``ident``."""
    row = re.search(rf'<tr><th scope="row"><a [^>]*>{re.escape(ident)}</a>.*?</tr>', table_html)
    assert row, ident
    return re.findall(r"<td>(.*?)</td>", row.group(0))


@pytest.mark.parametrize("layer", list(LAYER_ORDER))
def test_card_lists_every_primary_threat_of_each_layer(kb, layer):
    cells = _cells(card.layers_block(kb, _L(kb, "quick-reference")), layer)
    assert re.findall(r">(T\d+)</a>", cells[0]) == kb.layer_threats(layer)["primary"]


def test_card_has_every_part_the_workshop_needs(kb):
    c = card.card(kb, _L(kb, "quick-reference"))
    for title in ("Layers and their threats", "Agentic risk factors", "Cross-layer patterns", "STRIDE at a glance", "Depth decision tree", "Risk matrix"):
        assert f"<h2>{title}</h2>" in c, title
    assert c.count('class="qr-side"') == 2
    for f in kb.factors:
        assert html.escape(f["name"]) in c
    for p in kb.patterns.values():
        assert html.escape(p["name"]) in c
    for q in kb.depth["questions"]:
        assert html.escape(q["text"]) in c
    for s in kb.frameworks["stride"]:
        assert html.escape(s["name"]) in c


def test_risk_matrix_sheet_follows_the_scoring_data(kb):
    kb = copy.deepcopy(kb)
    kb.scoring["matrix"]["Low"]["Unlikely"] = "Medium"
    t = card.risk_matrix_table(kb)
    low = re.search(r'<tr><th scope="row">Low</th>(.*?)</tr>', t).group(1)
    assert re.findall(r'maestro-risk--(\w+)', low)[0] == "medium"


@pytest.mark.kb_params("tid", active_ids)
def test_matrix_sheet_marks_every_cell_of_every_threat(kb, tid):
    cells = _cells(card.mapping_sheet(kb, _L(kb, "matrix")), tid)
    marks = {l: re.search(r'maestro-sr">(\w+)<', c).group(1) for l, c in zip(LAYER_ORDER, cells)}
    assert {l: m for l, m in marks.items() if m != "none"} == kb.threat_layers[tid]


# ---------------------------------------------------------------- the pack
def test_pack_holds_every_piece_in_order_after_the_cover(kb):
    md = pack.pack_page(kb, _L(kb, "index"), "---\ntitle: x\n---\n\n# Facilitator's guide\n\n## Roles { #roles }\n\nText.\n")
    titles = [t for t, _, _ in pack.pieces(kb, _L(kb, "index"))]
    assert titles[:len(kb.templates)] == [f"Worksheet: {worksheets.title_of(t)}" for t in worksheets.in_phase_order(kb)]
    cover = re.search(r'<ol class="ws-cover__contents">(.*?)</ol>', md).group(1)
    assert re.findall(r'<li><span class="ws-cover__entry">(.*?)</span>', cover) == ["Facilitator&#x27;s guide"] + [html.escape(t) for t in titles]
    pages = [int(p) for p in re.findall(r'<span class="ws-cover__page">page (\d+)</span>', cover)]
    assert pages == pack.start_pages(["Facilitator's guide"] + titles) and pages[0] == 2   # after the one-sheet cover
    printed = md[md.index('<div class="ws-pack"'):]
    positions = [printed.index(f'<p class="ws-piece__title">{html.escape(t)}</p>') for t in titles]
    assert positions == sorted(positions)
    assert "## Facilitator's guide" in printed and "### Roles" in printed      # the guide, one heading level down
    assert f"v{kb.meta['version']}" in md and "data-ws-today" in md
    assert "search:\n  exclude: true" in md       # the printed copies would otherwise compete with the pages in search


@pytest.mark.build
def test_pack_is_built_with_the_facilitator_guide(site):
    text = (site / "workshop" / "index.html").read_text(encoding="utf-8")
    assert 'class="ws-piece ws-piece--guide"' in text and "<h2" in text.split('ws-piece--guide')[1][:400]
