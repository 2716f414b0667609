"""What a person sees: pages in a real Chromium, search by ID, colour scheme, the matrix, print.

Uses Playwright with Debian's Chromium (/usr/bin/chromium); the site is served from a
strict build on 127.0.0.1. Every request the browser makes is recorded and must stay local.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.build]

ROOT = Path(__file__).resolve().parents[1]

PAGES = ["/", "/threats/T12/", "/blindspots/BV-7/", "/mitigations/L3-D2/", "/layers/L6/", "/layers/cross-layer/",
         "/playbook/03-mapping-matrix/", "/playbook/08-checklists/", "/playbook/09-mitigation-catalog/", "/threats/T26/",
         # one of every other page type: section index, guide, worked example, reference, agents, the workshop kit
         "/threats/", "/guides/quickstart/", "/guides/risk-scoring/", "/examples/devops-deployment/", "/reference/glossary/",
         "/reference/changelog/", "/agents/", "/workshop/", "/workshop/checklists/", "/workshop/threat-card/"]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_without_third_party_requests(assert_local, page, url):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    resp = page.goto(page.base + url, wait_until="networkidle")
    assert resp.status == 200
    assert page.locator("h1").first.is_visible()
    assert not errors, errors
    assert_local(page)


@pytest.mark.parametrize("query,expected", [("BV-7", "/blindspots/BV-7/"), ("T1", "/threats/T1/"), ("l3-d2", "/mitigations/L3-D2/"),
                                            ("CL-P1", "/mitigations/CL-P1/"), ("T26", "/threats/T26/")])
def test_search_by_id_offers_the_id_page_first(assert_local, page, query, expected):
    page.goto(page.base + "/playbook/08-checklists/", wait_until="networkidle")
    page.keyboard.press("s")
    page.keyboard.type(query, delay=30)
    first = page.locator(".md-search-result a").first
    first.wait_for(timeout=5000)
    assert urlsplit(first.get_attribute("href")).path == expected
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{expected}")
    assert page.locator("h1").first.inner_text().startswith(expected.strip("/").split("/")[-1])
    assert_local(page)


def test_search_by_words_still_works(page):
    page.goto(page.base + "/", wait_until="networkidle")
    page.keyboard.press("s")
    page.keyboard.type("memory poisoning", delay=30)
    page.locator(".md-search-result__item").first.wait_for(timeout=5000)
    assert "/threats/T1/" in page.locator(".md-search-result__item a").first.get_attribute("href")


@pytest.mark.parametrize("scheme,expected", [("dark", "slate"), ("light", "default")])
def test_palette_follows_the_os(browser, server, scheme, expected):
    ctx = browser.new_context(color_scheme=scheme)
    pg = ctx.new_page()
    pg.goto(server + "/threats/T1/", wait_until="networkidle")
    assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
    ctx.close()


def test_matrix_fits_1280_and_every_mark_links(page):
    page.goto(page.base + "/playbook/03-mapping-matrix/", wait_until="networkidle")
    overflow = page.evaluate("""() => [...document.querySelectorAll('table.maestro-matrix')].map(t => {
        const box = t.closest('.md-typeset__table') || t.parentElement;
        return [t.scrollWidth, box.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; })""")
    for table_w, box_w, doc_w, win_w in overflow:
        assert table_w <= box_w + 1 and doc_w <= win_w, overflow
    cells = page.locator("table.maestro-matrix td.maestro-matrix__primary, table.maestro-matrix td.maestro-matrix__secondary")
    assert cells.count() > 60
    assert page.locator("table.maestro-matrix td.maestro-matrix__primary a, table.maestro-matrix td.maestro-matrix__secondary a").count() == cells.count()
    page.locator('table.maestro-matrix[data-kind="core"] tr:has(th a:text-is("T11")) td.maestro-matrix__secondary a').first.click()
    page.wait_for_url("**/threats/T11/#layers")


@pytest.mark.parametrize("button,expected", [
    ("Copy citation", "MAESTRO CL-P1 (v{version})"),
    ("Copy permanent URL", "{server}/mitigations/CL-P1/")])
def test_citation_copy_buttons(kb, browser, server, button, expected):
    """The session's site is built without SITE_URL: the permanent URL is cited at the address the page was served
    from, shown so in the box too, and there is no version URL (tests/test_site_url.py covers a build with one)."""
    ctx = browser.new_context()
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    pg = ctx.new_page()
    pg.goto(server + "/mitigations/CL-P1/", wait_until="networkidle")
    b = pg.get_by_role("button", name=button)
    b.click()
    pg.wait_for_function("(n) => document.querySelector(`button[aria-label='${n}']`).dataset.copied === 'true'", arg=button, timeout=5000)
    want = expected.format(version=kb.version, server=server.rstrip("/"))
    assert pg.evaluate("navigator.clipboard.readText()") == want
    assert want in pg.locator(".maestro-cite").inner_text()
    assert pg.get_by_role("button", name="Copy URL of this version").count() == 0
    assert "example.org" not in pg.content()
    ctx.close()


@pytest.mark.parametrize("url,selector,minimum", [
    ("/playbook/08-checklists/", "ul.maestro-checklist input[type=checkbox]", 90),
    ("/playbook/07-templates/", ".maestro-template table", 13),
    ("/playbook/12-quick-reference/", ".maestro-card table, ol.maestro-checklist li", 10),
])
def test_workshop_pages_print_cleanly(page, tmp_path, url, selector, minimum):
    page.goto(page.base + url, wait_until="networkidle")
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.md-header', '.md-sidebar--primary', '.md-sidebar--secondary', '.md-footer'].map(s => {
        const e = document.querySelector(s); return !e || getComputedStyle(e).display === 'none'; })""")
    assert all(hidden), hidden
    items = page.locator(selector)
    assert items.count() >= minimum and items.first.is_visible()
    width = page.evaluate("document.querySelector('.md-content').getBoundingClientRect().width")
    assert width > 0.8 * page.viewport_size["width"], "content uses the page width when printed"
    pdf = page.pdf(path=str(tmp_path / "page.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000

def test_risk_calculator_agrees_with_scoring_on_every_cell(kb, page):
    """Every matrix cell with uniform statuses, and mixed per-type statuses on the High and
    Critical cells: the widget shows what `maestro.scoring.score` computes (ruling R02)."""
    from maestro import scoring

    page.goto(page.base + "/guides/risk-scoring/", wait_until="networkidle")
    form = page.locator("#maestro-calc")
    assert form.is_visible()
    # accessible form: every fieldset has a legend, every select sits in a label with text
    assert page.evaluate("""() => [...document.querySelectorAll('#maestro-calc fieldset')]
                              .every(f => f.querySelector(':scope > legend')?.textContent.trim())""")
    assert page.evaluate("""() => [...document.querySelectorAll('#maestro-calc select')]
                              .every(s => s.closest('label') && s.closest('label').textContent.replace(s.textContent, '').trim())""")

    sevs = [s["level"] for s in kb.scoring["severity"]]
    liks = [s["level"] for s in kb.scoring["likelihood"]]
    keys = [s["key"] for s in kb.scoring["implementation_status"]]
    typed = list(dict.fromkeys(k for kinds in kb.scoring["required_controls"].values() for k in kinds))
    assert typed == ["preventive", "detective", "corrective"]
    mixed = [("implemented", "not", "not"), ("partial", "not", "not"), ("implemented", "partial", "not"),
             ("not", "implemented", "implemented"), ("partial", "partial", "implemented"), ("implemented", "implemented", "partial")]

    def set_statuses(required, values):
        if required:
            for kind, v in zip(required, values, strict=True):
                form.locator(f"select[name=status-{kind}]").select_option(v)
        else:
            form.locator("select[name=status]").select_option(values[0])

    def shown():
        return page.evaluate("""() => Object.assign(Object.fromEntries([...document.querySelectorAll('#maestro-calc [data-out]')]
                                  .map(e => [e.dataset.out, e.textContent])), {drives: document.querySelector('#maestro-calc').dataset.drives})""")

    checked = {"uniform": 0, "mixed": 0}
    for sev in sevs:
        form.locator("select[name=severity]").select_option(sev)
        for lik in liks:
            form.locator("select[name=likelihood]").select_option(lik)
            level = scoring.risk_level(kb, sev, lik)
            required = scoring.required_types(kb, level)
            # only the inputs that count at this level are offered
            assert form.locator('fieldset[data-controls="per-type"]').is_visible() == bool(required), (sev, lik)
            assert form.locator('fieldset[data-controls="strongest"]').is_visible() == (not required), (sev, lik)
            for kind in typed:
                assert form.locator(f"select[name=status-{kind}]").is_visible() == (kind in required), (sev, lik, kind)
            combos = [("uniform", (k,) * len(typed)) for k in keys] + ([("mixed", m) for m in mixed] if required else [])
            for what, values in combos:
                set_statuses(required, values if required else values[:1])
                spec = ",".join(f"{kind}={v}" for kind, v in zip(typed, values, strict=True))
                want = scoring.score(kb, sev, lik, spec)
                triples = [(kind, st, "full") for kind, st in scoring.parse_statuses(kb, spec).items()]
                credit = scoring.control_credit(kb, want.level, triples)
                got = shown()
                ctx = (sev, lik, spec)
                assert got["level"] == want.level and int(got["value"]) == want.value, ctx
                act_level, drives = want.action_level, want.action_basis          # the rule's one home: maestro.scoring (R12)
                act = scoring.level_info(kb, act_level)
                assert (got["action_level"], got["drives"]) == (act_level, drives), (ctx, got)
                assert got["action"] == act["action"] and got["timeframe"] == act["timeframe"], ctx
                assert got["status"] == want.status, (ctx, got["status"])
                assert float(got["credit"]) == round(credit, 2), ctx
                assert float(got["effective"]) == want.effective and got["effective_level"] == want.effective_level, (ctx, got)
                checked[what] += 1
    severe = sum(1 for s in sevs for l in liks if scoring.required_types(kb, scoring.risk_level(kb, s, l)))
    assert checked == {"uniform": len(sevs) * len(liks) * len(keys), "mixed": severe * len(mixed)} and severe == 9


# ------------------------------------------------------------------ every reader: axe-core, small screens, screenshots

PALETTES = [("light", "default"), ("dark", "slate")]  # the OS preference the page follows, and Material's scheme
A11Y_PAGES = ["/", "/playbook/01-layers/", "/threats/T12/", "/mitigations/L3-D2/", "/blindspots/BV-7/", "/layers/L3/",
              "/playbook/03-mapping-matrix/", "/playbook/08-checklists/", "/playbook/07-templates/", "/guides/risk-scoring/#calculator"]
EXAMPLE_PAGES = ["/examples/devops-deployment/", "/examples/generic-rag-agent/"]


def open_page(pg, server, url, palette):
    resp = pg.goto(server + url, wait_until="networkidle")
    assert resp.status == 200, url
    assert pg.evaluate("document.body.getAttribute('data-md-color-scheme')") == palette, (url, palette)


# Beyond the ten pages: content tabs and task lists (quickstart), a worked example (architecture figure, wide tables),
# and the workshop's forms (radio buttons, text areas, the script's buttons), card and worksheets.
AXE_PAGES = A11Y_PAGES + ["/guides/quickstart/", "/examples/devops-deployment/", "/workshop/", "/workshop/checklists/",
                          "/workshop/quick-reference/", "/workshop/threat-card/"]
AXE_CASES = [pytest.param(url, scheme, palette, 1280, id=f"{url}-{palette}") for url in AXE_PAGES for scheme, palette in PALETTES] \
    + [pytest.param(url, "light", "default", 390, id=f"{url}-default-390") for url in A11Y_PAGES]  # scroll boxes, phone layout


@pytest.mark.parametrize("url,scheme,palette,width", AXE_CASES)
def test_axe_finds_no_serious_violation(scheme_page, assert_local, server, axe_source, url, scheme, palette, width):
    """axe-core (every rule it runs by default, none disabled) on the page as a reader gets it: both palettes
    at 1280 px, and the light palette on a 390 px phone."""
    ctx, pg = scheme_page(scheme, width=width)
    try:
        open_page(pg, server, url, palette)
        pg.add_script_tag(content=axe_source)
        violations = pg.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({rule: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => ({
                target: n.target.join(' '), why: (n.any.concat(n.all, n.none)[0] || {}).message || ''}))}))""")
        lines = [f"{url} [{palette}, {width} px] {v['rule']} ({v['impact']}: {v['help']}), {len(v['nodes'])} element(s): "
                 + "; ".join(f"{n['target']} -- {n['why']}" for n in v["nodes"][:5]) for v in violations]
        assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(lines)
        assert_local(pg)
    finally:
        ctx.close()


CONTRAST_JS = """(sel) => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const over = (f, b) => [0, 1, 2].map(i => f[i] * f[3] + b[i] * (1 - f[3])).concat([1]);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] >= 1) break; }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255, 1]); };
  return [...document.querySelectorAll(sel)].map(el => {
    const bg = background(el), fg = over(rgba(getComputedStyle(el).color), bg);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return {row: el.closest('tr') ? el.closest('tr').querySelector('th').textContent.trim() : 'legend',
            kind: el.closest('[class^="maestro-matrix__"]').className, ratio: Math.round((a + 0.05) / (b + 0.05) * 100) / 100};
  });
}"""


@pytest.mark.parametrize("scheme,palette", PALETTES, ids=[p for _, p in PALETTES])
def test_matrix_marks_meet_contrast(scheme_page, server, scheme, palette):
    """axe leaves the marks (symbols, not words) to a person; they are the matrix's content, so they must reach
    the 4.5:1 of text against the background they sit on, primary and secondary, in both palettes."""
    ctx, pg = scheme_page(scheme)
    try:
        open_page(pg, server, "/playbook/03-mapping-matrix/", palette)
        marks = pg.evaluate(CONTRAST_JS, ".maestro-matrix__primary [aria-hidden], .maestro-matrix__secondary [aria-hidden], "
                                         ".maestro-matrix-legend > [class^='maestro-matrix__']")
        kinds = {m["kind"] for m in marks}
        assert kinds == {"maestro-matrix__primary", "maestro-matrix__secondary"} and len(marks) > 60, kinds
        low = [m for m in marks if m["ratio"] < 4.5]
        assert not low, f"[{palette}] matrix marks below 4.5:1: {low[:5]} ({len(low)} in all)"
    finally:
        ctx.close()


BOXES_JS = """() => [...document.querySelectorAll('.md-typeset__scrollwrap, .md-typeset .maestro-scroll, .md-typeset figure.maestro-figure')].map(b => {
  const hint = b.previousElementSibling && b.previousElementSibling.classList.contains('maestro-scroll-hint') ? b.previousElementSibling : null;
  const cols = [...b.querySelectorAll('thead th')].slice(0, 4).map(th => th.textContent.trim()).join(' | ');
  return {figure: b.tagName === 'FIGURE', cols: b.tagName === 'FIGURE' ? (b.querySelector('figcaption') || {}).textContent : cols, scroll: b.scrollWidth, width: b.clientWidth, tabindex: b.getAttribute('tabindex'), role: b.getAttribute('role'),
          name: b.getAttribute('aria-label'), hint: !!hint && hint.getBoundingClientRect().height > 0 && getComputedStyle(hint).visibility === 'visible',
          shadow: getComputedStyle(b).backgroundImage.includes('gradient')};
})"""


@pytest.mark.parametrize("url", A11Y_PAGES + EXAMPLE_PAGES)
def test_390px_no_sideways_page_and_wide_tables_scroll_in_their_box(scheme_page, server, url):
    ctx, pg = scheme_page("light", width=390, height=844)
    try:
        open_page(pg, server, url, "default")
        doc_w, win_w = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if doc_w > win_w:
            culprits = pg.evaluate("""() => [...document.querySelectorAll('.md-content *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .filter(e => !e.parentElement.closest('.md-typeset__scrollwrap, .maestro-scroll, pre, .maestro-figure')).slice(0, 5)
                .map(e => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class').split(' ').join('.') : ''))""")
            pytest.fail(f"{url} at 390 px: the page is {doc_w} px wide and scrolls sideways; widest elements: {culprits}", pytrace=False)
        for box in pg.evaluate(BOXES_JS):
            if box["scroll"] <= box["width"] + 1:
                continue
            # this table (or diagram) scrolls inside its box: focusable, named, with a visible cue
            assert box["tabindex"] == "0" and box["hint"], (url, "a box that scrolls needs tabindex=0 and the scroll hint", box)
            if not box["figure"]:  # a figure keeps its role and is named by its caption
                assert box["role"] == "region" and box["name"] and box["shadow"], (url, box)
    finally:
        ctx.close()


@pytest.mark.parametrize("url", A11Y_PAGES + EXAMPLE_PAGES)
def test_1280px_every_table_column_in_view(scheme_page, server, url):
    """At 1280 px no table needs sideways scrolling, so no column is out of view (the home page's phase table and
    the examples' residual-risk tables used to lose their last column)."""
    ctx, pg = scheme_page("light", width=1280)
    try:
        open_page(pg, server, url, "default")
        hidden = [b for b in pg.evaluate(BOXES_JS) if not b["figure"] and b["scroll"] > b["width"] + 1]
        assert not hidden, f"{url} at 1280 px: tables wider than their box: {hidden}"
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
        cut = pg.evaluate("""() => [...document.querySelectorAll('.md-content table')].flatMap(t => {
            const box = (t.closest('.md-typeset__scrollwrap, .maestro-scroll') || t.parentElement).getBoundingClientRect();
            return [...t.querySelectorAll('thead th')].filter(th => th.getBoundingClientRect().right > box.right + 1).map(th => th.textContent.trim()); })""")
        assert not cut, f"{url} at 1280 px: columns outside their table's box: {cut}"
    finally:
        ctx.close()


def test_home_phase_table_and_residual_tables_show_every_column(scheme_page, server):
    ctx, pg = scheme_page("light", width=1280)
    try:
        checked = []
        for url, marker in [("/", ".maestro-phases table"), *[(u, "table:has(th:text-is('Residual'))") for u in EXAMPLE_PAGES]]:
            open_page(pg, server, url, "default")
            tables = pg.locator(f".md-content {marker}")
            assert tables.count() >= 1, (url, marker)
            for i in range(tables.count()):
                t = tables.nth(i)
                t.scroll_into_view_if_needed()
                last = t.locator("thead th").last
                box = t.evaluate("t => (t.closest('.md-typeset__scrollwrap') || t.parentElement).getBoundingClientRect().right")
                assert last.is_visible() and last.bounding_box()["x"] + last.bounding_box()["width"] <= box + 1, (url, last.inner_text())
                checked.append(url)
        assert len(checked) >= 3, checked
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme,palette", PALETTES, ids=[p for _, p in PALETTES])
def test_matrix_on_a_phone_keeps_header_and_threat_column(scheme_page, server, scheme, palette):
    """At 390 px the matrix scrolls in its own box; after scrolling it sideways (and down) the threat column and
    the header row are still in place and on top, so every mark can still be read against its row and layer."""
    ctx, pg = scheme_page(scheme, width=390, height=844)
    try:
        open_page(pg, server, "/playbook/03-mapping-matrix/", palette)
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        box = pg.locator(".maestro-scroll:has(table.maestro-matrix[data-kind='core'])")
        box.scroll_into_view_if_needed()
        assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "the matrix fits 390 px; nothing to scroll"
        state = box.evaluate("""b => {
            b.scrollLeft = b.scrollWidth; b.scrollTop = 120;
            const r = b.getBoundingClientRect(), t = b.querySelector('table');
            const row = [...t.querySelectorAll('tbody th[scope=row]')].find(th => th.getBoundingClientRect().top > r.top + 80);
            const head = t.querySelector('thead th:nth-child(2)'), corner = t.querySelector('thead th:first-child');
            const lastHead = t.querySelector('thead th:last-child');
            const on = (el, x, y) => { const hit = document.elementFromPoint(x, y); return !!hit && (hit === el || el.contains(hit)); };
            const rr = row.getBoundingClientRect(), cr = corner.getBoundingClientRect(), lr = lastHead.getBoundingClientRect();
            return {scrolledX: b.scrollLeft, scrolledY: b.scrollTop, rowLeft: rr.left - r.left, cornerTop: cr.top - r.top,
                    rowOnTop: on(row, rr.left + 8, rr.top + rr.height / 2), cornerOnTop: on(corner, cr.left + 8, cr.top + cr.height / 2),
                    headTop: head.getBoundingClientRect().top - r.top, lastHeadOnTop: on(lastHead, lr.left + lr.width / 2, lr.top + 4),
                    row: row.textContent.trim()};
        }""")
        assert state["scrolledX"] > 0 and state["scrolledY"] > 0, state
        assert abs(state["rowLeft"]) <= 1 and state["rowOnTop"], f"[{palette}] the threat column scrolled away: {state}"
        assert abs(state["cornerTop"]) <= 1 and abs(state["headTop"]) <= 1 and state["cornerOnTop"] and state["lastHeadOnTop"], \
            f"[{palette}] the header row scrolled away: {state}"
    finally:
        ctx.close()


CALC_CASES = [  # severity, likelihood, --status, vector, complexity
    ("Critical", "Very Likely", "implemented", "Network", "Low"),       # full credit: effective None, not "stop the deployment"
    ("Critical", "Very Likely", "not", "Physical", "High"),             # no credit: the inherent level sets the action
    ("High", "Likely", "preventive=implemented,detective=partial,corrective=not", "Adjacent", "Low"),  # Critical, 0.5 -> Medium
    ("High", "Likely", "preventive=implemented", "Local", "High"),      # one type of three: stays Critical
    ("Medium", "Likely", "partial", "Network", "High"),                 # High, 0.5 -> Medium
    ("Medium", "Possible", "implemented", "Local", "Low"),              # Medium, strongest control: None
    ("Low", "Unlikely", "partial", "Physical", "Low"),                  # Low 1 x 0.5 = 0.5, still Low
]


def test_risk_calculator_matches_the_cli(maestro_cli, kb, page):
    """The widget against `maestro score --json` (the command a reader would run) for a few inputs: the same
    levels and numbers; the action of the level the rule picks, said so; badges with the level's name; and
    modifiers that say what they change."""

    page.goto(page.base + "/guides/risk-scoring/#calculator", wait_until="networkidle")
    form = page.locator("#maestro-calc")
    for sev, lik, spec, vec, comp in CALC_CASES:
        code, out, err = maestro_cli("score", "--severity", sev, "--likelihood", lik, "--status", spec,
                                     "--vector", vec, "--complexity", comp, "--json")
        assert code == 0, err
        cli = json.loads(out)
        form.locator("select[name=severity]").select_option(sev)
        form.locator("select[name=likelihood]").select_option(lik)
        form.locator("select[name=vector]").select_option(vec)
        form.locator("select[name=complexity]").select_option(comp)
        statuses = {kind: "not" for kind in ("preventive", "detective", "corrective")}
        if "=" in spec:
            statuses.update(dict(part.split("=") for part in spec.split(",")))
        else:
            statuses = dict.fromkeys(statuses, spec)
        if cli["required_controls"]:
            for kind in cli["required_controls"]:
                form.locator(f"select[name=status-{kind}]").select_option(statuses[kind])
        else:
            best = max(statuses.values(), key=lambda k: next(s["value"] for s in kb.scoring["implementation_status"] if s["key"] == k))
            form.locator("select[name=status]").select_option(best)
        got = page.evaluate("""() => { const f = document.querySelector('#maestro-calc'); return Object.assign(
            Object.fromEntries([...f.querySelectorAll('[data-out]')].map(e => [e.dataset.out, e.textContent])),
            {drives: f.dataset.drives, badges: [...f.querySelectorAll('[data-badge]')].map(e => [e.dataset.out, e.className, e.textContent])}); }""")
        case = (sev, lik, spec, vec, comp)
        assert (got["level"], int(got["value"])) == (cli["level"], cli["value"]), (case, got, cli)
        assert (float(got["effective"]), got["effective_level"]) == (cli["effective"], cli["effective_level"]), (case, got, cli)
        assert got["status"] == cli["status"], (case, got["status"], cli["status"])
        level, drives = cli["action_level"], cli["action_basis"]
        act = scoring_level(kb, level)
        assert (got["action_level"], got["drives"], got["action"], got["timeframe"]) == (level, drives, act["action"], act["timeframe"]), (case, got)
        assert (cli["action"], cli["timeframe"]) == (act["action"], act["timeframe"]), case
        assert got["action_basis"].startswith(f"Set by the {drives} risk"), (case, got["action_basis"])
        for kind in cli["required_controls"]:
            assert kind in got["required"], (case, got["required"])
        # modifiers: the CLI's effect, and what they change (only the ranking)
        assert got["vector_effect"] == f"Attack vector {cli['vector']}: {cli['vector_effect']} priority", (case, got["vector_effect"])
        assert got["complexity_effect"] == f"Attack complexity {cli['complexity']}: {cli['complexity_effect']} priority", case
        assert "neither the risk level nor the effective risk" in got["modifiers"], got["modifiers"]
        # every level is a colour badge that also names the level
        for out_name, cls, text in got["badges"]:
            assert text and f"maestro-risk--{text.lower()}" in cls.split(), (case, out_name, cls, text)
    # the case of the issue: Critical / Very Likely / Implemented no longer says "stop the deployment"
    page.locator("#maestro-calc select[name=severity]").select_option("Critical")
    page.locator("#maestro-calc select[name=likelihood]").select_option("Very Likely")
    for kind in ("preventive", "detective", "corrective"):
        page.locator(f"#maestro-calc select[name=status-{kind}]").select_option("implemented")
    assert "stop the deployment" not in page.locator("#maestro-calc [data-out=action]").inner_text()


def scoring_level(kb, level):
    from maestro import scoring
    return scoring.level_info(kb, level)


SHOT_PAGES = {"home": "/", "layer": "/layers/L3/", "threat": "/threats/T12/", "matrix": "/playbook/03-mapping-matrix/"}
SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme,palette", PALETTES, ids=[p for _, p in PALETTES])
@pytest.mark.parametrize("name", list(SHOT_PAGES))
def test_screenshots_for_review(scheme_page, server, name, scheme, palette, width):
    """Full-page PNGs for a person to look at, in build/screenshots/ (gitignored): <page>-<palette>-<width>.png."""
    ctx, pg = scheme_page(scheme, width=width, height=900 if width > 400 else 844)
    try:
        open_page(pg, server, SHOT_PAGES[name], palette)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}-{palette}-{width}.png"
        png = pg.screenshot(path=str(target), full_page=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and target.stat().st_size > 10_000
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (name, palette, width)
        print(f"screenshot: {target}")
    finally:
        ctx.close()

