"""The workshop kit measured on paper (issue 25): printed by Chromium to PDF on A4 and US Letter, each page rendered to
an image with pdftoppm and read back with pdftotext. Every worksheet fills its one sheet, writing rows are tall enough
for handwriting, cards print several to a sheet with every field, both sides of the quick-reference card carry
content, and the pack's contents give the page each piece really starts on."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from maestro_site.render import Linker
from maestro_site.workshop import pack, worksheets

pytestmark = [pytest.mark.browser, pytest.mark.build]

PAPER = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
MARGIN_MM = (10.0, 12.0)          # @page margin in docs/assets/workshop.css: top/bottom, left/right
PX_PER_MM = 96 / 25.4
INK_REACH = 0.85
"""How far down its page a worksheet's ink must reach, as a share of the page height."""
LEAST_MM = {"word": 12.0, "line": 15.0, "long": 25.0}
"""The least height of a writing row on a full-sheet worksheet: a word (ID, date), a sentence, free text."""
CARD_LEAST_MM = {"word": 10.0, "line": 15.0, "long": 17.0}


def worksheet_keys(kb) -> list[str]:
    return [t["key"] for t in worksheets.in_phase_order(kb)]


def card_keys(kb) -> list[str]:
    return [t["key"] for t in worksheets.in_phase_order(kb) if worksheets.is_card(t)]


def print_pdf(pg, url: str, fmt: str, path) -> list[str]:
    """Print ``url`` to ``path`` as the browser's print dialog would; the text of each page, in order."""
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "poppler-utils is required (make browser installs it)"
    pg.emulate_media(media=None)
    pg.goto(pg.base + url, wait_until="networkidle")
    pg.locator(".md-content h1").first.wait_for(state="attached")
    pg.evaluate("() => document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")
    pg.pdf(path=str(path), format=fmt)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _ppm(path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    magic, size, _depth, pixels = data.split(b"\n", 3)
    assert magic == b"P6", path
    w, h = map(int, size.split())
    return w, h, pixels


def ink_rows(pdf, page: int, x_from: float = 0.0, x_to: float = 1.0) -> tuple[list[bool], int]:
    """For each pixel row of ``page`` (rendered at 50 dpi), whether it has ink between the shares ``x_from`` and
    ``x_to`` of the page width; and the number of rows."""
    out = pdf.with_name(f"{pdf.stem}-{page}")
    subprocess.run(["pdftoppm", "-r", "50", "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(out)], check=True)
    w, h, px = _ppm(out.with_suffix(".ppm"))
    a, b = int(w * x_from) * 3, int(w * x_to) * 3
    return [min(px[y * w * 3 + a:y * w * 3 + b]) < 160 for y in range(h)], h


def ink_reach(pdf, page: int, x_from: float = 0.0, x_to: float = 1.0) -> float:
    """How far down ``page`` the ink goes, as a share of the page height."""
    rows, h = ink_rows(pdf, page, x_from, x_to)
    return max((y for y, r in enumerate(rows) if r), default=0) / h


def first_line(sheet: str) -> str:
    return next((l.strip() for l in sheet.splitlines() if l.strip()), "")


@pytest.mark.parametrize("fmt", list(PAPER))
@pytest.mark.kb_params("key", worksheet_keys)
def test_worksheet_fills_its_one_sheet(page, tmp_path, key, fmt):
    pdf = tmp_path / "w.pdf"
    sheets = print_pdf(page, f"/workshop/{key}/", fmt, pdf)
    assert len(sheets) == 1, f"{key} is split over {len(sheets)} {fmt} sheets"
    reach = ink_reach(pdf, 1)
    assert reach >= INK_REACH, f"{key}: the ink ends {reach:.0%} down the {fmt} page"


@pytest.mark.parametrize("fmt", list(PAPER))
@pytest.mark.kb_params("key", worksheet_keys)
def test_writing_rows_are_tall_enough_for_handwriting(page, key, fmt):
    w, h = PAPER[fmt]
    page.set_viewport_size({"width": round((w - 2 * MARGIN_MM[1]) * PX_PER_MM), "height": round((h - 2 * MARGIN_MM[0]) * PX_PER_MM)})
    page.goto(page.base + f"/workshop/{key}/", wait_until="networkidle")
    page.emulate_media(media="print")
    rows = page.evaluate("""() => [...document.querySelectorAll('.ws-sheet tr[class^="ws-row--"], .ws-sheet .ws-card__row')]
        .map(r => [r.className.match(/ws-row--(\\w+)/)[1], r.classList.contains('ws-card__row'), r.getBoundingClientRect().height])""")
    assert rows or key == "layer-mapping", key
    for kind, on_card, px in rows:
        least = (CARD_LEAST_MM if on_card else LEAST_MM).get(kind)
        if least:
            assert px / PX_PER_MM >= least - 0.2, f"{key} on {fmt}: a {kind} row is {px / PX_PER_MM:.1f} mm, at least {least} mm"
    lines = page.evaluate("() => [...document.querySelectorAll('.ws-sheet .ws-line')].filter(l => l.getClientRects().length).map(l => l.getBoundingClientRect().height)")
    assert all(px / PX_PER_MM >= 8.4 for px in lines), f"{key}: ruled lines closer than 8.5 mm"


@pytest.mark.parametrize("fmt", list(PAPER))
@pytest.mark.kb_params("key", card_keys)
def test_cards_print_several_to_a_sheet_with_every_field(kb, page, tmp_path, key, fmt):
    t = kb.templates[key]
    sheets = print_pdf(page, f"/workshop/{key}/", fmt, tmp_path / "c.pdf")
    assert len(sheets) == 1, (key, fmt, len(sheets))
    head = f"{worksheets.title_of(t)} · Phase"
    copies = sheets[0].split(head)[1:]
    assert worksheets.CARDS_PER_SHEET in (2, 4) and len(copies) == worksheets.CARDS_PER_SHEET, f"{key}: {len(copies)} cards on a {fmt} sheet"
    for n, text in enumerate(copies, 1):
        flat = re.sub(r"\s+", " ", text)
        missing = [f["name"] for f in t["fields"] if f["name"] not in flat]
        assert not missing, f"{key} card {n} on {fmt} lacks {missing}"
    assert page.locator(".ws-cut").count() == worksheets.CARDS_PER_SHEET - 1     # a cut line between copies


@pytest.mark.parametrize("fmt", list(PAPER))
def test_quick_reference_card_uses_both_sides_and_folds(page, tmp_path, fmt):
    pdf = tmp_path / "qr.pdf"
    sides = print_pdf(page, "/workshop/quick-reference/", fmt, pdf)
    assert len(sides) == 2, (fmt, len(sides))
    size = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", size).groups())
    assert w > h, "the card prints in landscape, to fold into half-sheet panels"
    for side in (1, 2):
        for panel, (a, b) in enumerate(((0.06, 0.46), (0.54, 0.94)), 1):   # either side of the fold line, not on it
            reach = ink_reach(pdf, side, a, b)
            assert reach >= 0.6, f"{fmt}: side {side}, panel {panel} ends {reach:.0%} down the page"
    assert page.locator(".qr-panel").count() == 4
    page.emulate_media(media="print")
    sizes = page.evaluate("() => [...document.querySelectorAll('.qr-card td, .qr-card th, .qr-card .qr-note')].map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert min(sizes) >= 8 * 96 / 72 - 0.01, f"card text down to {min(sizes) * 72 / 96:.1f} pt"


@pytest.mark.parametrize("fmt", list(PAPER))
def test_pack_contents_give_the_page_each_piece_starts_on(kb, page, tmp_path, fmt):
    sheets = print_pdf(page, "/workshop/", fmt, tmp_path / "pack.pdf")
    titles = ["Facilitator's guide"] + [t for t, _, _ in pack.pieces(kb, Linker(kb, "workshop/index.md"))]
    listed = {m.group(1).strip(): int(m.group(2)) for m in re.finditer(r"^\s*(.+?)\s+page (\d+)\s*$", sheets[0], re.M)}
    assert list(listed) == titles, "the contents list every piece with a page number"
    starts = {}
    for n, sheet in enumerate(sheets, 1):
        starts.setdefault(first_line(sheet), n)
    wrong = {t: (p, starts.get(t)) for t, p in listed.items() if starts.get(t) != p}
    assert not wrong, f"{fmt}: contents page vs printed page: {wrong}"
    numbers = [sheet.strip().splitlines()[-1].strip() for sheet in sheets]
    assert numbers == [str(n) for n in range(1, len(sheets) + 1)], "every page of the pack carries its number"


@pytest.mark.parametrize("url", ["/workshop/", "/workshop/facilitator/", "/workshop/threat-card/", "/workshop/quick-reference/"])
def test_nothing_interactive_prints(page, url):
    page.goto(page.base + url, wait_until="networkidle")
    page.emulate_media(media="print")
    shown = page.evaluate("""() => [...document.querySelectorAll('button, input, select, textarea, .md-code__nav, .md-clipboard')]
        .filter(e => e.getClientRects().length).map(e => e.tagName + '.' + e.className)""")
    assert not shown, f"{url} prints {shown}"
