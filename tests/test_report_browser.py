"""`maestro report` on paper (issue 22): reports printed by a real Chromium, with JavaScript off, to PDF on A4 and US Letter,
read back with pdftotext: a page budget, a footer with the system, date and page number on every page, the draft
banner on every page of a draft, each section on a new page, and no word outside the printable width."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.browser]

PAPER = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
SIDE_MARGIN_MM = 13.0            # @page margin left and right in maestro/templates/report/_style.css.j2
PT_PER_MM = 72 / 25.4
PX_PER_MM = 96 / 25.4
MAX_PAGES = 60
HEADINGS = ["Executive summary", "Risk heatmap", "Architecture and trust boundaries", "Remediation roadmap", "Threat register",
            "Residual risks", "Code-validation evidence", "Assumptions and scope gaps", "Appendix: method, checks and disclaimer"]
CASES = {"rag-agent": ("data/examples/rag-agent.json", []), "clinic-assistant": ("tests/fixtures/engagement/clinic-assistant", []),
         "accounts-payable": ("data/examples/accounts-payable.json", ["--draft"])}


@pytest.fixture(scope="module")
def reports(tmp_path_factory, maestro_cli) -> dict:
    """name -> (report file, the JSON answer of `maestro report`)."""
    assert shutil.which("pdftotext"), "pdftotext is required (poppler-utils)"
    out = {}
    for name, (src, args) in CASES.items():
        where = tmp_path_factory.mktemp(name)
        path = (shutil.copytree if (ROOT / src).is_dir() else shutil.copy2)(ROOT / src, where / Path(src).name)
        code, text, err = maestro_cli("--json", "report", path, *args, cwd=where)
        assert code == 0, err
        answer = json.loads(text)
        out[name] = (Path(answer["file"]), answer)
    return out


def print_pdf(browser, html: Path, fmt: str, pdf: Path) -> list[str]:
    """Print ``html`` from disk with JavaScript off; the text of each page. No request may leave the file."""
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(html.as_uri())
    page.pdf(path=str(pdf), format=fmt)
    ctx.close()
    assert seen == [html.as_uri()], f"the report asked for more than itself: {seen}"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def words_outside(pdf: Path, fmt: str) -> list[str]:
    """Words that pdftotext places outside the printable width of their page."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    left = SIDE_MARGIN_MM * PT_PER_MM - 2
    out = []
    for width, body in re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', bbox, re.S):
        right = float(width) - SIDE_MARGIN_MM * PT_PER_MM + 2
        for x0, x1, word in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', body):
            if float(x0) < left or float(x1) > right:
                out.append(f"{word} ({float(x0):.0f}..{float(x1):.0f} of {float(width):.0f} pt)")
    return out


def content_lines(sheet: str, banner: str | None) -> list[str]:
    return [line.strip() for line in sheet.splitlines() if line.strip() and not (banner and line.strip().startswith(banner))]


@pytest.mark.parametrize("fmt", list(PAPER))
@pytest.mark.parametrize("name", list(CASES))
def test_report_prints_within_budget_with_a_footer_on_every_page(browser, reports, tmp_path, name, fmt):  # noqa: F811
    html, answer = reports[name]
    pdf = tmp_path / f"{name}-{fmt}.pdf"
    sheets = print_pdf(browser, html, fmt, pdf)
    assert 2 <= len(sheets) <= MAX_PAGES, f"{name} prints on {len(sheets)} {fmt} pages"
    for i, sheet in enumerate(sheets, 1):
        assert f"Page {i} of {len(sheets)}" in sheet, f"{name}: no page number on page {i}"
        assert "threat model report" in sheet, f"{name}: no footer on page {i}"
    banner = f"Draft: {answer['counts']['errors'] + answer['counts']['pending']} open findings" if answer["draft"] else None
    if banner:
        missing = [i for i, s in enumerate(sheets, 1) if banner not in s]
        assert not missing, f"{name}: the draft banner is missing on page(s) {missing}"
    else:
        assert not any("Draft:" in s for s in sheets)
    firsts = [content_lines(s, banner)[0] for s in sheets]
    for heading in HEADINGS:
        assert heading in firsts, f"{name}: '{heading}' does not start a page on {fmt}"
    outside = words_outside(pdf, fmt)
    assert not outside, f"{name}: words outside the printable width on {fmt}: {outside[:5]}"


@pytest.mark.parametrize("fmt", list(PAPER))
def test_nothing_in_the_report_is_wider_than_the_printable_area(browser, reports, fmt):  # noqa: F811
    width = (PAPER[fmt][0] - 2 * SIDE_MARGIN_MM) * PX_PER_MM
    ctx = browser.new_context(java_script_enabled=True, viewport={"width": round(width), "height": 900})
    page = ctx.new_page()
    page.emulate_media(media="print")
    over = {}
    for name, (html, _) in reports.items():
        page.goto(html.as_uri())
        wide = page.evaluate("""(limit) => [...document.querySelectorAll('main *')]
            .filter(e => e.getClientRects().length)
            .filter(e => e.getBoundingClientRect().right > limit + 1 || (e.tagName !== 'svg' && e.scrollWidth > e.clientWidth + 1 && e.clientWidth))
            .map(e => e.tagName + '.' + (e.getAttribute('class') || '') + ' ' + Math.round(e.getBoundingClientRect().right))""", width)
        if wide:
            over[name] = wide[:5]
    ctx.close()
    assert not over, f"wider than the {fmt} printable width ({width:.0f} px): {over}"
