"""The workshop kit on paper, printed by a real Chromium to PDF on A4 and US Letter and read back with pdftotext:
page counts, every piece of the pack on a new sheet, checklist sections kept together, nothing wider than the
printable area, no site chrome, black on white in either palette, and a Print button on every page (issue 12)."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from maestro_site.workshop import pack, worksheets
from maestro_site.render import Linker

pytestmark = [pytest.mark.browser, pytest.mark.build]

PAPER = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGIN_MM = (10.0, 12.0)          # @page margin in docs/assets/workshop.css: top/bottom, left/right
PX_PER_MM = 96 / 25.4
SHEETS = {"checklists": None, "quick-reference": 2, "matrix": 1, "risk-matrix": 1, "facilitator": 2}
"""Workshop pages other than the worksheets, with the most sheets each may print on (None: no fixed budget)."""
CHROME = ["Search", "Made with", "Material for MkDocs", "Prose and code of this site", "Print this", "Print the",
          "Skip to content", "Back to top", "http://", "https://"]
"""Text of the site's header, navigation, search, footer and buttons, and link URLs: none of it belongs on paper."""


def worksheet_keys(kb) -> list[str]:
    return [t["key"] for t in worksheets.in_phase_order(kb)]


def printable_px(fmt: str) -> tuple[float, float]:
    w, h = PAPER[fmt]
    return (w - 2 * MARGIN_MM[1]) * PX_PER_MM, (h - 2 * MARGIN_MM[0]) * PX_PER_MM


def print_pdf(pg, url: str, fmt: str, path) -> list[str]:
    """Print ``url`` to ``path`` as the browser's print dialog would; the text of each sheet, in order."""
    assert shutil.which("pdftotext"), "pdftotext is required (make browser installs poppler-utils)"
    pg.emulate_media(media=None)          # page.pdf() uses the print stylesheet only with no emulated media
    pg.goto(pg.base + url, wait_until="networkidle")
    pg.locator(".md-content h1").first.wait_for(state="attached")
    pg.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")  # laid out before printing
    pg.pdf(path=str(path), format=fmt)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def reading_order(path) -> str:
    """The text of a printed PDF in reading order, a column at a time: the card's panels sit side by side, where
    ``-layout`` interleaves their lines."""
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def first_line(sheet: str) -> str:
    return next((l.strip() for l in sheet.splitlines() if l.strip()), "")


def assert_no_chrome(sheets: list[str], what: str):
    text = "\n".join(sheets)
    for s in CHROME:
        assert s not in text, f"{what}: '{s}' is printed"


@pytest.mark.parametrize("fmt", list(PAPER))
@pytest.mark.kb_params("key", worksheet_keys)
def test_worksheet_prints_on_one_sheet_with_its_fields(kb, page, tmp_path, key, fmt):
    sheets = print_pdf(page, f"/workshop/{key}/", fmt, tmp_path / "w.pdf")
    assert len(sheets) == 1, f"{key} prints on {len(sheets)} {fmt} sheets"
    t = kb.templates[key]
    flat = re.sub(r"\s+", " ", sheets[0])
    for f in t.get("fields", []):
        assert f["name"] in flat, (key, f["name"])
    assert f"Phase {', '.join(map(str, t['phases']))}" in flat
    assert_no_chrome(sheets, key)


@pytest.mark.parametrize("fmt", list(PAPER))
@pytest.mark.parametrize("name", list(SHEETS))
def test_workshop_sheet_prints_within_its_budget(kb, page, tmp_path, name, fmt):
    sheets = print_pdf(page, f"/workshop/{name}/", fmt, tmp_path / "s.pdf")
    budget = SHEETS[name]
    assert budget is None or len(sheets) <= budget, f"{name} prints on {len(sheets)} {fmt} sheets, at most {budget}"
    assert_no_chrome(sheets, name)
    flat = re.sub(r"\s+", " ", " ".join(sheets) + " " + reading_order(tmp_path / "s.pdf"))
    expected = {"checklists": [i["id"] for s in kb.sections.values() for i in s["items"]] + ["Holds", "Partial", "Fails", "N/A", "Evidence", "Finding"],
                "quick-reference": ["Layers and their threats", "Agentic risk factors", "Cross-layer patterns", "STRIDE at a glance",
                                    "Depth decision tree", "Risk matrix"] + [p["name"] for p in kb.patterns.values()],
                "matrix": [t["id"] for t in kb.active_threats()] + ["L1", "L7", "CL"],
                "risk-matrix": [s["level"] for s in kb.scoring["likelihood"]] + [r["timeframe"] for r in kb.scoring["risk_levels"]],
                "facilitator": ["90-minute session", "Half-day session", "Roles", "Materials", "maestro import"]}[name]
    missing = [e for e in expected if e not in flat]
    assert not missing, f"{name} on paper lacks {missing}"


@pytest.mark.parametrize("fmt", list(PAPER))
def test_quick_reference_card_is_two_sides(page, tmp_path, fmt):
    sheets = print_pdf(page, "/workshop/quick-reference/", fmt, tmp_path / "c.pdf")
    assert len(sheets) == 2 and "Layers and their threats" in sheets[0] and "STRIDE at a glance" in sheets[1], fmt


@pytest.mark.parametrize("fmt", list(PAPER))
def test_pack_prints_every_piece_on_a_new_sheet_after_the_cover(kb, page, tmp_path, fmt):
    sheets = print_pdf(page, "/workshop/", fmt, tmp_path / "pack.pdf")
    titles = ["Facilitator's guide"] + [t for t, _, _ in pack.pieces(kb, Linker(kb, "workshop/index.md"))]
    assert "MAESTRO threat-modeling workshop" in sheets[0] and f"v{kb.meta['version']}" in sheets[0]
    assert all(t in re.sub(r"\s+", " ", sheets[0]) for t in titles), "the cover lists the contents"
    starts = [i for i, s in enumerate(sheets) if first_line(s) in titles]
    assert [first_line(sheets[i]) for i in starts] == titles, "each piece starts a sheet, in the order of the contents"
    assert starts[0] == 1, "the cover is one sheet"
    lengths = dict(zip(titles, [b - a for a, b in zip(starts, starts[1:] + [len(sheets)])]))
    for t in titles:
        if t.startswith("Worksheet:") or t in ("Mapping matrix", "Risk matrix", "Minimum viable threat model"):
            assert lengths[t] == 1, (fmt, t, lengths[t])
    assert lengths["Quick-reference card"] == 2 and lengths["Facilitator's guide"] <= 2, (fmt, lengths)
    assert_no_chrome(sheets, "pack")


@pytest.mark.parametrize("fmt", list(PAPER))
def test_checklist_sections_stay_on_one_sheet_where_they_fit(kb, page, tmp_path, fmt):
    sheets = print_pdf(page, "/workshop/checklists/", fmt, tmp_path / "ck.pdf")
    width, height = printable_px(fmt)
    page.set_viewport_size({"width": round(width), "height": 900})
    page.emulate_media(media="print")
    tall = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.ck-form .ck-section')].map(s =>
        [s.querySelector('table').dataset.section, s.getBoundingClientRect().height]))""")
    for sid, s in kb.sections.items():
        on = sorted({n for n, sheet in enumerate(sheets) for i in s["items"] if re.search(rf"\b{i['id']}\b", sheet)})
        assert on == list(range(on[0], on[-1] + 1)), (fmt, sid, on)          # never scattered
        if tall[sid] <= height:
            assert len(on) == 1, f"{sid} fits one {fmt} sheet ({tall[sid]:.0f} of {height:.0f} px) but prints on {len(on)}"


LANDSCAPE = {"/workshop/quick-reference/"}
"""Pages that print in landscape."""


def printable(kb) -> list[str]:
    return ["/workshop/", "/workshop/checklists/", "/workshop/quick-reference/", "/workshop/matrix/", "/workshop/risk-matrix/",
            "/workshop/facilitator/", *[f"/workshop/{k}/" for k in worksheet_keys(kb)],
            "/playbook/03-mapping-matrix/", "/playbook/07-templates/", "/playbook/08-checklists/", "/playbook/09-mitigation-catalog/",
            "/playbook/12-quick-reference/", "/guides/risk-scoring/", "/guides/quickstart/", "/threats/T12/"]


@pytest.mark.parametrize("fmt", list(PAPER))
def test_nothing_is_wider_than_the_printable_area(kb, page, fmt):
    width, height = printable_px(fmt)
    landscape = height + 2 * (MARGIN_MM[0] - MARGIN_MM[1]) * PX_PER_MM    # a landscape sheet's printable width
    page.emulate_media(media="print")
    over = {}
    for url in printable(kb):
        # a page of its own that prints in landscape (the card) is laid out at the landscape width
        page.set_viewport_size({"width": round(landscape if url in LANDSCAPE else width), "height": round(height)})
        page.goto(page.base + url, wait_until="networkidle")
        wide = page.evaluate("""(limits) => [...document.querySelectorAll(
              '.md-content table, .md-content .ws-sheet, .md-content .qr-card, .md-content pre, .md-content svg, .md-content .ws-pack')]
            .filter(e => e.getClientRects().length)
            .filter(e => e.getBoundingClientRect().right > (e.closest('.qr-card, .ws-sheet--landscape') ? limits[1] : limits[0]) + 1
                         || (e.scrollWidth > e.clientWidth + 1 && !e.matches('.ws-pack')))   // the pack holds the card, which is checked itself
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""", [width, landscape])
        if wide:
            over[url] = wide[:3]
    assert not over, f"wider than the {fmt} printable width ({width:.0f} px): {over}"


def test_paper_is_black_on_white_in_the_dark_palette(page):
    page.goto(page.base + "/workshop/checklists/", wait_until="networkidle")
    page.evaluate("document.body.setAttribute('data-md-color-scheme', 'slate')")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 255, 255)"   # dark on screen
    page.emulate_media(media="print")
    colours = page.evaluate("""() => ({
        body: getComputedStyle(document.body).backgroundColor,
        text: getComputedStyle(document.querySelector('.ck-q')).color,
        heading: getComputedStyle(document.querySelector('.md-typeset h2')).color,
        link: getComputedStyle(document.querySelector('.ck-q a')).color})""")
    assert colours["body"] == "rgb(255, 255, 255)", colours
    assert all(colours[k] == "rgb(0, 0, 0)" for k in ("text", "heading", "link")), colours


PAGE_TYPES = ["/", "/playbook/01-layers/", "/threats/T12/", "/blindspots/BV-7/", "/mitigations/L3-D2/", "/layers/L6/",
              "/guides/quickstart/", "/reference/glossary/", "/workshop/", "/workshop/threat-card/", "/workshop/checklists/"]


@pytest.mark.parametrize("url", PAGE_TYPES)
def test_every_page_has_a_print_button_that_paper_hides(page, url):
    page.goto(page.base + url, wait_until="networkidle")
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    button = page.get_by_role("button", name=re.compile(r"^Print"))
    assert button.count() == 1 and button.is_visible(), url
    button.click()
    assert page.evaluate("window.__printed") == 1, url
    page.emulate_media(media="print")
    assert not button.is_visible() and not page.locator(".md-header").is_visible(), url
