"""The checklist forms and the tick boxes on screen, in a real Chromium (issue 25).

At 390 px, /workshop/checklists/ shows one question per block: nothing cut off, the item ID clear of its question, the
four results as buttons with their whole labels, the evidence and finding fields at least 250 px wide, and every section
in the page's table of contents (in the drawer on a phone, on the right on a desktop). Every tick box on screen is
enabled and keeps its tick across a reload: chapter 08's as the item's answer Holds, shared with the forms and exported
for `maestro import`; a task list's (the quickstart's) in this browser only. axe-core finds nothing serious on either
page in both palettes at 390 and 1280 px."""
from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

PALETTES = [("light", "default"), ("dark", "slate")]  # the OS preference the page follows, and Material's scheme
FORMS = "/workshop/checklists/"
CHAPTER = "/playbook/08-checklists/"
QUICKSTART = "/guides/quickstart/"
CK = '.ck-form[data-ck-form="checklists"]'
LABELS = ["Holds", "Partial", "Fails", "N/A"]


def open_(pg, server, url: str, palette: str | None = None):
    """Go to ``url`` and wait until every form has its tools and every tick box its state."""
    if not hasattr(pg, "errors"):
        pg.errors = []
        pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    resp = pg.goto(server + url, wait_until="networkidle")
    assert resp.status == 200, url
    pg.wait_for_function("[...document.querySelectorAll('.ck-form')].every(f => f.querySelector('.ck-tools .ck-progress'))")
    if palette:
        assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") == palette, (url, palette)
    return pg


def reload(pg):
    pg.reload(wait_until="networkidle")
    pg.wait_for_function("[...document.querySelectorAll('.ck-form')].every(f => f.querySelector('.ck-tools .ck-progress'))")
    return pg


@pytest.fixture
def phone(scheme_page, server):
    """The checklist forms page on a 390 x 844 phone, light palette."""
    _, pg = scheme_page("light", width=390, height=844)
    return open_(pg, server, FORMS, "default")


# ------------------------------------------------------------------ the forms at 390 px
def test_phone_nothing_is_cut_off_or_wider_than_the_screen(phone):
    cut = phone.evaluate("""() => [...document.querySelectorAll(
            '.ck-form label, .ck-form textarea, .ck-form th[scope=row], .ck-form td, .ck-form .ck-tools button')]
        .filter(e => e.getClientRects().length && e.scrollWidth > e.clientWidth + 1)
        .map(e => (e.closest('.ck-row') || e).getAttribute('data-item') + ' ' + e.tagName + ' ' + e.scrollWidth + '>' + e.clientWidth)""")
    assert not cut, cut[:10]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    outside = phone.evaluate("""() => [...document.querySelectorAll('.ck-form .ck-row label, .ck-form .ck-row textarea')]
        .filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > window.innerWidth; })
        .map(e => e.closest('.ck-row').getAttribute('data-item'))""")
    assert not outside, outside[:10]


def test_phone_item_id_never_overlaps_its_question(phone, kb):
    rows = phone.evaluate("""() => [...document.querySelectorAll('.ck-form[data-ck-form="checklists"] .ck-row')].map(row => {
        const a = row.querySelector('th[scope=row]').getBoundingClientRect(), b = row.querySelector('.ck-q').getBoundingClientRect();
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        return {item: row.getAttribute('data-item'), overlap, id: row.querySelector('th[scope=row]').innerText.trim(), w: a.width, h: a.height}; })""")
    assert len(rows) == len(kb.items)
    assert [r["item"] for r in rows if r["overlap"]] == []
    assert all(r["id"] == r["item"] and r["w"] > 0 and r["h"] > 0 for r in rows), [r for r in rows if r["id"] != r["item"]][:3]


def test_phone_result_buttons_show_their_whole_labels(phone, kb):
    rows = phone.evaluate("""() => [...document.querySelectorAll('.ck-form[data-ck-form="checklists"] .ck-row')].map(row => {
        const labels = [...row.querySelectorAll('.ck-choice label')], box = row.getBoundingClientRect();
        return {item: row.getAttribute('data-item'), labels: labels.map(l => {
            const r = l.getBoundingClientRect(), range = document.createRange();
            range.selectNodeContents(l);
            const t = range.getBoundingClientRect();
            return {text: l.innerText.trim(), whole: t.left >= r.left - 0.5 && t.right <= r.right + 0.5 && t.top >= r.top - 0.5 && t.bottom <= r.bottom + 0.5,
                    height: r.height, inRow: r.left >= box.left && r.right <= box.right};
        })}; })""")
    assert len(rows) == len(kb.items)
    for row in rows:
        assert [label["text"] for label in row["labels"]] == LABELS, row["item"]
        bad = [label for label in row["labels"] if not (label["whole"] and label["inRow"] and label["height"] >= 44)]
        assert not bad, (row["item"], bad)
    # a button is a real choice: clicking it picks the result
    phone.locator(f'{CK} label[for="CK-L2-03-partial"]').click()
    assert phone.locator("#CK-L2-03-partial").is_checked()


def test_phone_evidence_and_finding_fields_are_wide(phone, kb):
    widths = phone.evaluate("""() => [...document.querySelectorAll('.ck-form[data-ck-form="checklists"] .ck-row textarea')]
        .map(t => [t.name, t.getBoundingClientRect().width, (t.labels[0] || {}).innerText])""")
    assert len(widths) == 2 * len(kb.items)
    narrow = [(name, w) for name, w, _ in widths if w < 250]
    assert not narrow, narrow[:5]
    assert {label for _, _, label in widths} == {"Evidence", "Finding"}


def _section_links(pg, scope: str) -> list[tuple[str, str]]:
    """The visible links of ``scope`` to a place on this page (Material writes them as whole URLs): [(#hash, text)]."""
    return [tuple(link) for link in pg.evaluate("""scope => [...document.querySelectorAll(scope + ' a.md-nav__link')]
        .filter(a => a.hash && a.pathname === location.pathname)
        .filter(a => a.getClientRects().length && getComputedStyle(a).visibility !== 'hidden')
        .map(a => [a.hash, a.innerText.trim()])""", scope)]


def test_phone_table_of_contents_in_the_drawer_lists_every_section(phone, kb):
    want = [(f"#ck-{sid.lower()}", s["title"]) for sid, s in kb.sections.items()] + [("#mvtm", "Minimum viable threat model")]
    phone.locator(".md-header label.md-header__button[for=\"__drawer\"]").click()
    phone.locator('.md-sidebar--primary label.md-nav__link[for="__toc"]').click()
    phone.wait_for_timeout(400)  # the drawer slides
    links = _section_links(phone, ".md-sidebar--primary .md-nav--secondary")
    assert [link for link in links if link[0] != "#checklist-forms"] == want
    phone.locator('.md-sidebar--primary .md-nav--secondary a[href$="#ck-l5"]').click()
    phone.wait_for_function("location.hash === '#ck-l5'")


def test_desktop_table_of_contents_lists_every_section(scheme_page, server, kb):
    _, pg = scheme_page("light", width=1280)
    open_(pg, server, FORMS)
    want = [(f"#ck-{sid.lower()}", s["title"]) for sid, s in kb.sections.items()] + [("#mvtm", "Minimum viable threat model")]
    assert _section_links(pg, ".md-sidebar--secondary") == want


def test_desktop_blocks_keep_evidence_and_finding_side_by_side(scheme_page, server):
    _, pg = scheme_page("light", width=1280)
    open_(pg, server, FORMS)
    boxes = pg.evaluate("""() => ['evidence', 'finding'].map(f => document.querySelector('textarea[name="CK-L3-04:' + f + '"]')
        .getBoundingClientRect()).map(r => ({top: r.top, left: r.left, width: r.width}))""")
    assert boxes[0]["top"] == boxes[1]["top"] and boxes[0]["left"] < boxes[1]["left"]
    assert min(b["width"] for b in boxes) >= 250


# ------------------------------------------------------------------ tick boxes
def _boxes(pg) -> dict:
    return pg.evaluate("""() => { const all = [...document.querySelectorAll('.md-content input[type=checkbox]')];
        return {count: all.length, disabled: all.filter(b => b.disabled).length}; }""")


def test_chapter_08_ticks_are_enabled_and_kept(page, server, kb):
    open_(page, server, CHAPTER)
    assert _boxes(page) == {"count": len(kb.items), "disabled": 0}
    page.locator('#CK-L3-04 input[type=checkbox]').click()
    assert page.locator(f"{CK} .ck-progress").inner_text().strip() == f"1 of {len(kb.items)} answered"
    reload(page)
    assert page.locator('#CK-L3-04 input[type=checkbox]').is_checked()
    assert not page.locator('#CK-L3-05 input[type=checkbox]').is_checked()
    stored = json.loads(page.evaluate("k => localStorage.getItem(k)", f"maestro:answers:checklists:{kb.version}"))
    assert stored == {"CK-L3-04": {"result": "holds"}}
    # the same answer as the checklist forms: the forms page shows it as Holds
    open_(page, server, FORMS)
    assert page.locator("#CK-L3-04-holds").is_checked()
    assert not page.errors, page.errors


def test_chapter_08_export_is_what_maestro_import_reads(page, server, kb, maestro_cli, tmp_path):
    open_(page, server, FORMS)  # an answer given in the forms, which chapter 08 cannot show, is kept and exported
    page.locator(f'{CK} label[for="CK-L6-03-fails"]').click()
    page.locator(f'{CK} textarea[name="CK-L6-03:evidence"]').fill("no audit log for tool calls")
    open_(page, server, CHAPTER)
    assert not page.locator('#CK-L6-03 input[type=checkbox]').is_checked()
    page.locator('#CK-L1-01 input[type=checkbox]').click()
    page.locator('#CK-L1-02 input[type=checkbox]').click()
    page.locator('#CK-L1-02 input[type=checkbox]').click()  # ticked and unticked: no answer
    with page.expect_download() as info:
        page.locator(f"{CK} .ck-tools button", has_text="Export answers").click()
    assert info.value.suggested_filename == f"maestro-checklists-answers-{kb.version}.json"
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert (doc["format"], doc["format_version"], doc["form"], doc["kb_version"]) == ("maestro-checklist-answers", 1, "checklists", kb.version)
    assert doc["answers"] == [
        {"item": "CK-L1-01", "result": "holds", "evidence": "", "finding": ""},
        {"item": "CK-L6-03", "result": "fails", "evidence": "no audit log for tool calls", "finding": ""},
    ]
    code, out, err = maestro_cli("new", "acme", "--dir", tmp_path / "tm", "--prefix", "ACME")
    assert code == 0, out + err
    code, out, err = maestro_cli("import", "acme", target, "--dir", tmp_path / "tm")
    assert code == 0, out + err
    text = (tmp_path / "tm" / "acme" / "06-threat-register.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| CK-L1-01 |"))
    assert kb.items["CK-L1-01"]["text"] in row and "| Holds |" in row
    assert "| Fails | no audit log for tool calls |" in next(line for line in text.splitlines() if line.startswith("| CK-L6-03 |"))
    assert not page.errors, page.errors


def ring(item) -> dict:
    """Where a task's tick box is drawn (Material draws it as the ::before of its indicator): a clip for a screenshot."""
    box = item.evaluate("""li => { const ind = li.querySelector('.task-list-indicator'), s = getComputedStyle(ind, '::before');
        const r = li.getBoundingClientRect();
        return {x: r.left + parseFloat(s.left), y: r.top + parseFloat(s.top), width: parseFloat(s.width), height: parseFloat(s.height)}; }""")
    return box


def click_ring(pg, item):
    """Click a task's tick box where it is drawn, as a reader does."""
    item.scroll_into_view_if_needed()
    box = ring(item)
    pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_quickstart_ticks_are_enabled_and_kept_on_this_page_only(page, server, kb):
    open_(page, server, QUICKSTART)
    boxes = page.locator(".md-content .task-list-item input[type=checkbox]")
    assert boxes.count() == 19 and _boxes(page)["disabled"] == 0
    page.locator('.md-content .tabbed-labels label', has_text="L3").click()
    item = page.locator(".md-content .task-list-item", has_text="Poisoned MCP tool descriptions")
    click_ring(page, item)
    assert item.locator("input").is_checked()
    reload(page)
    assert item.locator("input").is_checked()
    assert sum(b.is_checked() for b in boxes.all()) == 1
    item.locator("input").focus()  # the box works from the keyboard too
    page.keyboard.press("Space")
    assert not item.locator("input").is_checked()
    page.keyboard.press("Space")
    keys = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('maestro:ticks:') || k.startsWith('maestro:answers:'))")
    assert keys == [f"maestro:ticks:{QUICKSTART}:{kb.version}"], keys  # not an answer: no form's export carries it
    assert list(json.loads(page.evaluate("k => localStorage.getItem(k)", keys[0]))) == [
        item.evaluate("li => li.textContent.replace(/\\s+/g, ' ').trim()")]
    open_(page, server, "/guides/single-agent/")  # another page's task lists start unticked
    assert _boxes(page)["disabled"] == 0
    assert page.evaluate("[...document.querySelectorAll('.md-content input[type=checkbox]')].every(b => !b.checked)")
    assert not page.errors, page.errors


@pytest.mark.parametrize("scheme,palette", PALETTES, ids=[p for _, p in PALETTES])
def test_unticked_boxes_look_unticked_in_both_palettes(scheme_page, server, scheme, palette):
    _, pg = scheme_page(scheme)
    open_(pg, server, QUICKSTART, palette)
    pg.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
    look = """i => { const s = getComputedStyle(document.querySelectorAll('.md-content .task-list-indicator')[i], '::before');
        return {mask: s.maskImage || s.webkitMaskImage, fill: s.backgroundColor, border: s.borderTopWidth}; }"""
    unticked = pg.evaluate(look, 0)
    assert unticked["mask"] == "none" and unticked["fill"] in ("rgba(0, 0, 0, 0)", "transparent") and unticked["border"] != "0px", unticked
    item = pg.locator(".md-content .task-list-item").first
    item.scroll_into_view_if_needed()
    before = pg.screenshot(clip=ring(item))
    click_ring(pg, item)
    ticked = pg.evaluate(look, 0)
    assert ticked["mask"].startswith("url(") and ticked["fill"] not in ("rgba(0, 0, 0, 0)", "transparent"), ticked
    assert pg.screenshot(clip=ring(item)) != before


# ------------------------------------------------------------------ axe-core
AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' -- '
        + ((n.any.concat(n.all, n.none)[0] || {}).message || '')).join('; '))"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme,palette", PALETTES, ids=[p for _, p in PALETTES])
@pytest.mark.parametrize("url", [FORMS, CHAPTER])
def test_axe_finds_nothing_serious(scheme_page, server, axe_source, assert_local, url, scheme, palette, width):
    """axe-core (every rule it runs by default) with an answer given, a tick set and a button focused."""
    _, pg = scheme_page(scheme, width=width, height=844 if width < 400 else 900)
    open_(pg, server, url, palette)
    if url == FORMS:
        pg.locator(f'{CK} label[for="CK-L1-01-fails"]').click()
        pg.locator("#CK-L1-02-partial").focus()
    else:
        pg.locator('#CK-L1-01 input[type=checkbox]').click()
    pg.add_style_tag(content="*, *::before, *::after { transition: none !important; }")  # colours as they settle
    pg.add_script_tag(content=axe_source)
    found = pg.evaluate(AXE)
    assert not found, f"{url} [{palette}, {width} px]:\n" + "\n".join(found)
    assert_local(pg)
